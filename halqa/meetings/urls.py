from django.urls import path

from . import views

app_name = "meetings"
urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("feed/", views.feed_settings, name="feed"),
    path("feed/<str:key>.ics", views.feed_ics, name="feed_ics"),
    path("new/community/<int:pk>/", views.meeting_new_for_community, name="new_for_community"),
    path("new/case/<int:pk>/", views.meeting_new_for_case, name="new_for_case"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/edit/", views.meeting_edit, name="edit"),
    path("<int:pk>/calendar.ics", views.meeting_ics, name="ics"),
    path("<int:pk>/cancel/", views.meeting_cancel, name="cancel"),
    path("<int:pk>/invite/", views.meeting_invite, name="invite"),
    path("<int:pk>/sign-up/", views.meeting_sign_up, name="sign_up"),
    path("<int:pk>/rsvp/", views.meeting_rsvp, name="rsvp"),
    path("<int:pk>/prepared/", views.meeting_prepared, name="prepared"),
    path("<int:pk>/preparation/", views.meeting_source_add, name="source_add"),
    path("<int:pk>/preparation/<int:item_pk>/remove/", views.meeting_source_remove, name="source_remove"),
    path("<int:pk>/attendance/", views.meeting_attendance, name="attendance"),
    path("<int:pk>/minutes/", views.meeting_minutes, name="minutes"),
    path("<int:pk>/agenda/", views.meeting_agenda_add, name="agenda_add"),
    path("<int:pk>/agenda/<int:item_pk>/remove/", views.meeting_agenda_remove, name="agenda_remove"),
    path("<int:pk>/actions/", views.meeting_action_add, name="action_add"),
    path("<int:pk>/actions/<int:item_pk>/done/", views.action_item_done, name="action_done"),
]
