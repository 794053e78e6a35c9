from django.urls import path

from . import file_views, plan_views, record_views, views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    path("transcribe/", views.case_transcribe, name="transcribe"),
    path("paper-form/", file_views.paper_form, name="paper_form"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/files/<int:file_pk>/", file_views.download, name="attachment"),
    path("<int:pk>/move/", views.case_move, name="move"),
    path("<int:pk>/clarify/", views.case_clarify, name="clarify"),
    path("<int:pk>/triage/", views.case_triage, name="triage"),
    path("<int:pk>/feedback/", views.case_feedback, name="feedback"),
    path("<int:pk>/group/", views.case_add_member, name="add_member"),
    path("<int:pk>/plan/", plan_views.case_plan, name="plan"),
    path("<int:pk>/risks/", plan_views.case_risk_add, name="risk_add"),
    path("<int:pk>/risks/<int:risk_pk>/handled/", plan_views.case_risk_handled, name="risk_handled"),
    path("<int:pk>/preparation/", record_views.case_preparation_add, name="preparation_add"),
    path(
        "<int:pk>/preparation/<int:item_pk>/remove/",
        record_views.case_preparation_remove,
        name="preparation_remove",
    ),
    path("<int:pk>/prepared/", record_views.case_prepared, name="prepared"),
    path("<int:pk>/session-notes/", record_views.case_session_note, name="session_note"),
    path("<int:pk>/drafts/", record_views.case_draft, name="draft"),
    path("board/", views.board, name="board"),
    path("board/groups/", views.group_board, name="group_board"),
    path("board/community/<int:pk>/", views.community_board, name="community_board"),
    path("board/school/<int:pk>/limits/", views.school_board_limits, name="school_board_limits"),
    path("board/community/<int:pk>/limits/", views.community_board_limits, name="community_board_limits"),
    path("<int:pk>/board-move/", views.board_move, name="board_move"),
]
