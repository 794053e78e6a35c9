from django.urls import path

from . import views

app_name = "discussions"
urlpatterns = [
    path("threads/<int:pk>/posts/", views.create_post, name="create"),
    path("threads/<int:pk>/mentionable/", views.mentionable, name="mentionable"),
    path("posts/<int:pk>/reply/", views.reply, name="reply"),
    path("posts/<int:pk>/edit/", views.edit_post, name="edit"),
    path("posts/<int:pk>/delete/", views.delete_post, name="delete"),
    path("attachments/<int:pk>/", views.download, name="attachment"),
]
