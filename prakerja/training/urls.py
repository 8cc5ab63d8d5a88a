from django.urls import path

from . import views

app_name = "training"
urlpatterns = [
    # Public (Indonesian paths: the program's audience); employers check a certificate here.
    path("sertifikat/", views.certificate_check, name="certificate_check"),
    path("sertifikat/<str:number>/", views.certificate_verify, name="certificate_verify"),
    path("sertifikat/<str:number>/unduh/", views.certificate_download, name="certificate_pdf"),
]
