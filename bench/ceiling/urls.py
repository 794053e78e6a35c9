from django.urls import path

from . import views

urlpatterns = [path("ceiling/<int:bucket>/", views.items, name="ceiling")]
