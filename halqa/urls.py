from django.contrib import admin
from django.urls import include, path

from halqa.communities import views as communities_views
from halqa.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/setlang/", core_views.set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("", include("halqa.accounts.urls")),
    path("", include("halqa.orgs.urls")),
    path("communities/", include("halqa.communities.urls")),
    path("cases/", include("halqa.cases.urls")),
    path("meetings/", include("halqa.meetings.urls")),
    path("library/", include("halqa.library.urls")),
    path("similar/", include("halqa.similar.urls")),
    path("discussions/", include("halqa.discussions.urls")),
    path("audit/", include("halqa.events.urls")),
    path("notifications/", include("halqa.notifications.urls")),
    path("verify/", communities_views.verify, name="verify"),
    path("verify/<str:code>/", communities_views.verify, name="verify_code"),
    path("api/v1/", include("halqa.api.urls")),
    path("admin/", admin.site.urls),
]

# Under /api/ every error answers the API's JSON; pages keep their HTML (halqa/api/errors.py).
handler400 = "halqa.api.errors.bad_request"
handler403 = "halqa.api.errors.permission_denied"
handler404 = "halqa.api.errors.page_not_found"
handler500 = "halqa.api.errors.server_error"
