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
    path("<int:pk>/steps/", views.step_add, name="step_add"),
    path("<int:pk>/steps/<int:step>/", views.step_change, name="step_change"),
    path("<int:pk>/steps/<int:step>/move/", views.step_move, name="step_move"),
    path("<int:pk>/steps/<int:step>/done/", views.step_done, name="step_done"),
    path("<int:pk>/steps/<int:step>/remove/", views.step_remove, name="step_remove"),
    path("<int:pk>/comments/", views.comment_add, name="comment"),
    path("<int:pk>/comments/<int:comment>/reply/", views.comment_reply, name="comment_reply"),
    path("<int:pk>/comments/<int:comment>/resolve/", views.comment_resolve, name="comment_resolve"),
    path("rubrics/", views.rubric_list, name="rubrics"),
    path("rubrics/default/", views.rubric_edit, name="rubric_default"),
    path("rubrics/school/<int:pk>/", views.rubric_edit, {"kind": "school"}, name="rubric_school"),
    path("rubrics/authority/<int:pk>/", views.rubric_edit, {"kind": "authority"}, name="rubric_authority"),
    path("rubrics/criteria/<int:pk>/", views.criterion_change, name="criterion_change"),
    path("rubrics/criteria/<int:pk>/move/", views.criterion_move, name="criterion_move"),
    path("rubrics/criteria/<int:pk>/remove/", views.criterion_remove, name="criterion_remove"),
]
