from django.urls import path

from . import views

app_name = "payouts"
urlpatterns = [path("akun/penautan-rekening/", views.link, name="link")]
