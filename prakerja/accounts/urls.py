from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("masuk/", views.LoginView.as_view(), name="login"),
    path("keluar/", views.LogoutView.as_view(), name="logout"),
    path("daftar/", views.signup, name="signup"),
    path("akun/verifikasi-hp/", views.verify_phone, name="verify_phone"),
    path("akun/konfirmasi-email/<str:token>/", views.email_confirm, name="email_confirm"),
    path("akun/kirim-ulang-email/", views.email_resend, name="email_resend"),
    path("akun/identitas/", views.identity, name="identity"),
    path("akun/identitas/ktp/", views.id_card_upload, name="id_card_upload"),
    path("akun/identitas/<int:pk>/ktp/", views.id_card_file, name="id_card_file"),
    path("akun/lupa-sandi/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "akun/lupa-sandi/terkirim/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "akun/sandi-baru/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "akun/sandi-baru/selesai/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
