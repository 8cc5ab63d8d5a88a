"""Seed knowledge-base articles for the categories 0003 left without one (registration,
incentive, other), so the complaint form and the chat's FAQ have an answer to suggest in every
category. Idempotent: an article whose slug exists is left as it is, and a category that no
longer exists is skipped."""

from django.db import migrations
from django.utils import timezone

# (slug, category, position in the category, title, body): Bahasa Indonesia, like 0003's.
ARTICLES = [
    (
        "cara-mendaftar",
        "registration",
        0,
        "Cara mendaftar Kartu Prakerja",
        "Pendaftaran Kartu Prakerja gratis dan hanya dilakukan di situs resmi ini.\n\n"
        "1. Buat akun dengan e-mail dan nomor HP aktif milik Anda sendiri.\n"
        "2. Konfirmasi e-mail lewat tautan yang dikirim, lalu masukkan kode SMS.\n"
        "3. Lengkapi data diri sesuai KTP (NIK dan nomor KK) dan unggah foto KTP.\n"
        "4. Setelah data terverifikasi, gabung ke gelombang yang sedang dibuka dari dasbor.\n\n"
        "Jika kode SMS tidak masuk, tunggu beberapa menit sebelum meminta kode baru. Jangan "
        "berikan kode kepada siapa pun, termasuk yang mengaku petugas.",
    ),
    (
        "verifikasi-data-gagal",
        "registration",
        1,
        "Data diri tidak lolos verifikasi",
        "NIK, nama dan tanggal lahir dicocokkan dengan data kependudukan.\n\n"
        "Periksa bahwa nama ditulis persis seperti di KTP dan NIK serta nomor KK tidak tertukar. "
        "Jika data sudah benar tetapi tetap ditolak, pastikan data Anda sudah diperbarui di "
        "Dinas Kependudukan dan Pencatatan Sipil (Dukcapil) setempat, lalu kirim pengaduan "
        "kategori Pendaftaran dengan menyebutkan pesan kesalahan yang muncul. Jangan kirim foto "
        "KTP lewat media sosial atau pesan pribadi.",
    ),
    (
        "jadwal-insentif",
        "incentive",
        0,
        "Kapan insentif dikirim",
        "Insentif dikirim setelah Anda menyelesaikan pelatihan pertama dan mengisi ulasan serta "
        "rating pelatihan tersebut.\n\n"
        "Insentif masuk ke e-wallet atau rekening bank yang sudah ditautkan di akun Anda, sesuai "
        "jadwal yang tampil di dasbor. Pastikan penautan rekening sudah berhasil sebelum jadwal "
        "pengiriman. Pengiriman insentif tidak dipungut biaya apa pun.",
    ),
    (
        "insentif-belum-masuk",
        "incentive",
        1,
        "Insentif belum masuk",
        "Periksa dahulu di dasbor:\n\n"
        "1. Pelatihan pertama sudah selesai dan ulasannya sudah dikirim.\n"
        "2. Rekening atau e-wallet sudah tertaut dan atas nama Anda sendiri.\n"
        "3. Jadwal pengiriman yang tampil sudah lewat.\n\n"
        "Jika semua sudah terpenuhi dan insentif belum masuk 3 hari kerja setelah jadwal, kirim "
        "pengaduan kategori Insentif dengan nama e-wallet atau bank dan tanggal jadwal "
        "pengiriman.",
    ),
    (
        "cara-mengirim-pengaduan",
        "other",
        0,
        "Cara mengirim dan melacak pengaduan",
        "Kirim pengaduan lewat Formulir Pengaduan: pilih kategori yang paling sesuai, tulis "
        "judul singkat dan ceritakan apa yang terjadi. Anda dapat melampirkan tangkapan layar "
        "(JPG, PNG atau PDF).\n\n"
        "Setelah terkirim, Anda mendapat nomor referensi dan e-mail konfirmasi. Gunakan nomor "
        "referensi dan e-mail tersebut di halaman Lacak Laporan untuk melihat jawaban petugas "
        "dan membalasnya. Petugas tidak pernah meminta kata sandi, kode OTP atau biaya.",
    ),
]


def seed(apps, schema_editor):
    Article = apps.get_model("helpdesk", "Article")
    Category = apps.get_model("helpdesk", "Category")
    categories = {c.slug: c for c in Category.objects.all()}
    for slug, category, position, title, body in ARTICLES:
        if category not in categories:
            continue
        Article.objects.get_or_create(
            slug=slug,
            defaults={
                "category": categories[category],
                "title": title,
                "body": body,
                "language": "id",
                "position": position,
                "updated_at": timezone.now(),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0007_search_terms_vocabulary")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
