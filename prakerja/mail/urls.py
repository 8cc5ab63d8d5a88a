from django.urls import path

from . import views

app_name = "mail"
urlpatterns = [
    path("agen/surel/", views.supervisor, name="supervisor"),
    path("agen/surel/<int:pk>/asli/", views.kept_download, name="kept_download"),
]
