from django.urls import path

from . import views

app_name = "library"
urlpatterns = [
    path("", views.library, name="list"),
    path("new/", views.product_new, name="new"),
    path("from-case/<int:pk>/", views.from_case, name="from_case"),
    path("<int:pk>/", views.product_detail, name="product"),
    path("<int:pk>/print/", views.product_print, name="print"),
    path("<int:pk>/pdf/", views.product_pdf, name="pdf"),
    path("<int:pk>/edit/", views.product_edit, name="edit"),
    path("<int:pk>/compare/", views.product_compare, name="compare"),
    path("<int:pk>/submit/", views.product_submit, name="submit"),
    path("<int:pk>/assign/", views.product_assign, name="assign"),
    path("<int:pk>/authors/", views.product_author, name="author"),
    path("<int:pk>/review/", views.product_review, name="review"),
    path("<int:pk>/publish/", views.product_publish, name="publish"),
    path("<int:pk>/retract/", views.product_retract, name="retract"),
    path("<int:pk>/rate/", views.product_rate, name="rate"),
]
