from django.urls import path

from . import planning, views

app_name = "communities"
urlpatterns = [
    path("", views.community_list, name="list"),
    path("new/", views.community_new, name="new"),
    path("<int:pk>/", views.community_detail, name="detail"),
    path("<int:pk>/edit/", views.community_edit, name="edit"),
    path("<int:pk>/charter/", views.charter_edit, name="charter"),
    path("<int:pk>/planning/", planning.stage_days_edit, name="planning"),
    path("<int:pk>/charter/history/", views.charter_history, name="charter_history"),
    path("<int:pk>/goals/new/", views.goal_new, name="goal_new"),
    path("<int:pk>/goals/<int:goal_pk>/edit/", views.goal_edit, name="goal_edit"),
    path("<int:pk>/goals/<int:goal_pk>/delete/", views.goal_delete, name="goal_delete"),
    path("<int:pk>/goals/<int:goal_pk>/progress/", views.goal_progress, name="goal_progress"),
    path("<int:pk>/members/", views.members, name="members"),
    path("<int:pk>/members/<int:membership_pk>/role/", views.member_role, name="member_role"),
    path(
        "<int:pk>/members/<int:membership_pk>/remove/", views.member_action, {"action": "remove"}, name="member_remove"
    ),
    path(
        "<int:pk>/members/<int:membership_pk>/accept/", views.member_action, {"action": "accept"}, name="member_accept"
    ),
    path(
        "<int:pk>/members/<int:membership_pk>/decline/",
        views.member_action,
        {"action": "decline"},
        name="member_decline",
    ),
    path("<int:pk>/join/", views.join, name="join"),
    path("<int:pk>/leave/", views.leave, name="leave"),
    path("<int:pk>/answer/", views.answer, name="answer"),
    path("<int:pk>/my-part/", views.my_part, name="my_part"),
    path("<int:pk>/program/", views.program, name="program"),
    path("<int:pk>/program/<int:activity_pk>/edit/", views.activity_edit, name="activity_edit"),
    path("<int:pk>/program/<int:activity_pk>/delete/", views.activity_delete, name="activity_delete"),
    path("<int:pk>/decisions/", views.decisions, name="decisions"),
    path("<int:pk>/decisions/<int:decision_pk>/", views.decision_detail, name="decision"),
    path("<int:pk>/decisions/<int:decision_pk>/edit/", views.decision_edit, name="decision_edit"),
    path("<int:pk>/decisions/<int:decision_pk>/sign/", views.decision_sign, name="decision_sign"),
    path("<int:pk>/decisions/<int:decision_pk>/delete/", views.decision_delete, name="decision_delete"),
]
