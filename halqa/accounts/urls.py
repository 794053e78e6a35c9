from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/<int:pk>/", views.person, name="person"),
    path("profile/", views.profile, name="profile"),
    path("profile/edit/", views.profile_edit, name="profile_edit"),
    path("profile/security/", views.security, name="security"),
    path("profile/security/tokens/", views.api_token_create, name="api_token_create"),
    path("profile/security/tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
]
