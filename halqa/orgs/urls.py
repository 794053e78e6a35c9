from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("schools/", views.schools, name="schools"),
    path("schools/<int:pk>/", views.school, name="school"),
    path("schools/<int:pk>/edit/", views.school_edit, name="school_edit"),
    path("schools/<int:pk>/invitations/", views.school_invitations, name="school_invitations"),
    path("schools/<int:pk>/holidays/", views.school_holidays, name="school_holidays"),
    path("schools/<int:pk>/holidays/<int:holiday_pk>/delete/", views.holiday_delete, name="holiday_delete"),
    path(
        "schools/<int:pk>/invitations/<int:invitation_pk>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "schools/<int:pk>/invitations/<int:invitation_pk>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("networks/", views.networks, name="networks"),
    path("networks/<int:pk>/", views.network, name="network"),
    path("networks/<int:pk>/edit/", views.network_edit, name="network_edit"),
]
