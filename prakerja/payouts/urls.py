from django.urls import path

from . import views

app_name = "payouts"
urlpatterns = [
    path("akun/penautan-rekening/", views.link, name="link"),
    path("pmo/anggaran/", views.pmo_budget, name="pmo_budget"),
    path("pmo/anggaran/alokasi/", views.pmo_budget_allocate, name="pmo_budget_allocate"),
    path("pmo/penyelesaian-mitra/", views.pmo_statements, name="pmo_statements"),
    path("mitra/penyelesaian/<str:month>/", views.partner_statement, name="partner_statement"),
]
