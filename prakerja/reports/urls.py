from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("laporan/", views.index, name="index"),
    path("laporan/ekspor.csv", views.export_csv, name="export_csv"),
    path("laporan/ekspor.xlsx", views.export_xlsx, name="export_xlsx"),
    path("laporan/papan/", views.wallboard, name="wallboard"),
    path("laporan/papan/live/", views.wallboard_live, name="wallboard_live"),
    path("laporan/staf/", views.staffing_page, name="staffing"),
    path("statistik/", views.public_statistics, name="public"),
]
