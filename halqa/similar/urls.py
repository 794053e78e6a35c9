from django.urls import path

from . import views

app_name = "similar"
urlpatterns = [
    path("intake/", views.intake, name="intake"),
    path("cases/<int:pk>/", views.case, name="case"),
    path("products/<int:pk>/", views.product, name="product"),
]
