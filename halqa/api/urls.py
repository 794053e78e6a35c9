from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from halqa.accounts.api import ApiTokenViewSet, MeView, PeopleViewSet
from halqa.cases.api import CaseViewSet
from halqa.communities.api import (
    ActivityViewSet,
    CommunityViewSet,
    DecisionViewSet,
    GoalViewSet,
    MemberViewSet,
    VerifyDecisionView,
)
from halqa.discussions.api import PostViewSet, ThreadViewSet
from halqa.library.api import ProductViewSet
from halqa.library.api_work import RubricViewSet
from halqa.meetings.api import MeetingViewSet
from halqa.notifications.api import NotificationViewSet
from halqa.orgs.api import InvitationViewSet, NetworkViewSet, SchoolViewSet
from halqa.similar.api import SimilarView

router = DefaultRouter()
router.include_format_suffixes = False  # one URL per resource: JSON, or the browsable page
router.register("people", PeopleViewSet, basename="person")
router.register("tokens", ApiTokenViewSet, basename="token")
router.register("schools", SchoolViewSet, basename="school")
router.register("networks", NetworkViewSet, basename="network")
router.register("invitations", InvitationViewSet, basename="invitation")
router.register("communities", CommunityViewSet, basename="community")
COMMUNITY = r"communities/(?P<community_pk>[0-9]+)"
router.register(f"{COMMUNITY}/goals", GoalViewSet, basename="community-goal")
router.register(f"{COMMUNITY}/members", MemberViewSet, basename="community-member")
router.register(f"{COMMUNITY}/activities", ActivityViewSet, basename="community-activity")
router.register(f"{COMMUNITY}/decisions", DecisionViewSet, basename="community-decision")
router.register("cases", CaseViewSet, basename="case")
router.register("threads", ThreadViewSet, basename="thread")
router.register("posts", PostViewSet, basename="post")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("products", ProductViewSet, basename="product")
router.register("rubrics", RubricViewSet, basename="rubric")

app_name = "api"
urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("similar/", SimilarView.as_view(), name="similar"),
    path("verify/<str:code>/", VerifyDecisionView.as_view(), name="verify-decision"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
]
