from django.urls import path

from . import views

app_name = "events"

urlpatterns = [
    path("", views.audit, name="audit"),
    path("events.csv", views.audit_csv, name="audit_csv"),
]
