from django.urls import path

from . import views

app_name = "payouts"
urlpatterns = [
    path("akun/penautan-rekening/", views.link, name="link"),
    path("pmo/anggaran/", views.pmo_budget, name="pmo_budget"),
]
