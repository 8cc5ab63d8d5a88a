from django.urls import path

from . import views

app_name = "training"
urlpatterns = [
    # The participant's journey (Indonesian paths: the program's audience).
    path("pelatihan/", views.catalog, name="catalog"),
    path("pelatihan/<int:course_id>/", views.course_detail, name="course"),
    path("pelatihan/<int:course_id>/beli/", views.course_buy, name="buy"),
    path("pelatihan-saya/", views.my_trainings, name="my_trainings"),
    path("pelatihan-saya/<str:voucher_code>/batal/", views.purchase_cancel, name="cancel"),
    path("pelatihan-saya/<str:voucher_code>/ulasan/", views.purchase_review, name="review"),
    # A partner platform's integration user; the PMO.
    path("mitra/", views.partner, name="partner"),
    path("pmo/pelatihan/", views.pmo_training, name="pmo"),
    path("pmo/pelatihan/kursus/<int:course_id>/", views.course_moderate, name="moderate"),
]
