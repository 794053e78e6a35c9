from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from halqa.accounts.api import MeView, PeopleViewSet
from halqa.orgs.api import InvitationViewSet, NetworkViewSet, SchoolViewSet

router = DefaultRouter()
router.include_format_suffixes = False  # one URL per resource: JSON, or the browsable page
router.register("people", PeopleViewSet, basename="person")
router.register("schools", SchoolViewSet, basename="school")
router.register("networks", NetworkViewSet, basename="network")
router.register("invitations", InvitationViewSet, basename="invitation")

app_name = "api"
urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("", include(router.urls)),
]
