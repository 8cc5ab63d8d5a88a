"""Seed knowledge-base articles on the top questions and a few canned responses."""

from django.db import migrations
from django.utils import timezone

ARTICLES = [
    (
        "menggunakan-e-wallet",
        "account-linking",
        "Cara menggunakan e-wallet untuk menerima insentif",
        "Insentif Kartu Prakerja dikirim ke e-wallet atau rekening bank yang sudah ditautkan di "
        "akun Anda.\n\n1. Pastikan akun e-wallet Anda sudah terverifikasi (premium) dan nomor HP-nya "
        "sama dengan nomor HP di akun Prakerja.\n2. Buka menu Akun > Penautan Rekening, pilih "
        "e-wallet, lalu ikuti kode OTP yang dikirim.\n3. Setelah tertaut, insentif masuk otomatis "
        "sesuai jadwal. Anda tidak perlu membayar siapa pun untuk menerima insentif.",
    ),
    (
        "menautkan-akun",
        "account-linking",
        "Menautkan akun e-wallet atau rekening bank",
        "Penautan menghubungkan akun Prakerja dengan e-wallet atau rekening bank atas nama Anda.\n\n"
        "Nama dan NIK pemilik rekening harus sama dengan data di akun Prakerja. Jika penautan "
        "gagal, periksa bahwa nomor HP aktif dan kode OTP dimasukkan sebelum kedaluwarsa (5 menit). "
        "Penautan dapat diganti setelah 24 jam.",
    ),
    (
        "memilih-pelatihan-daring",
        "training",
        "Memilih pelatihan daring yang tepat",
        "Setelah lolos seleksi, Anda memiliki saldo pelatihan untuk membeli pelatihan di platform "
        "digital mitra.\n\n1. Bandingkan silabus, durasi dan ulasan peserta.\n2. Pilih pelatihan "
        "yang sesuai dengan pekerjaan yang Anda tuju.\n3. Beli pelatihan pertama paling lambat 30 "
        "hari setelah kepesertaan aktif, atau kepesertaan dicabut.",
    ),
    (
        "mendapatkan-sertifikat",
        "certificate",
        "Mendapatkan sertifikat pelatihan",
        "Sertifikat terbit setelah Anda menyelesaikan seluruh modul dan tes akhir pelatihan.\n\n"
        "Sertifikat muncul di dasbor Prakerja paling lambat 3 hari kerja setelah lembaga "
        "pelatihan melaporkan kelulusan. Jika sertifikat belum muncul, hubungi lembaga pelatihan "
        "terlebih dahulu, lalu kirim pengaduan dengan nama pelatihan dan tanggal selesai.",
    ),
    (
        "lupa-kata-sandi",
        "account",
        "Lupa kata sandi atau tidak bisa masuk",
        "Gunakan tautan Lupa Kata Sandi di halaman masuk. Kode dikirim ke e-mail yang terdaftar. "
        "Jika e-mail tidak lagi aktif, kirim pengaduan kategori Akun dan siapkan KTP untuk "
        "verifikasi oleh petugas.",
    ),
]
CANNED = [
    (
        "Salam pembuka",
        "Halo {name}, terima kasih telah menghubungi Layanan Aduan Konsumen Prakerja. "
        "Laporan Anda tercatat dengan nomor {reference}.",
    ),
    (
        "Minta data tambahan",
        "Halo {name}, agar kami dapat menindaklanjuti laporan {reference}, mohon kirimkan "
        "tangkapan layar pesan kesalahan yang Anda lihat.",
    ),
    (
        "Penutup",
        "Terima kasih, {name}. Laporan {reference} kami tandai selesai. Jika masih ada kendala, "
        "balas dalam 7 hari. Salam, {agent}.",
    ),
]


def seed(apps, schema_editor):
    Article = apps.get_model("helpdesk", "Article")
    Category = apps.get_model("helpdesk", "Category")
    CannedResponse = apps.get_model("helpdesk", "CannedResponse")
    categories = {c.slug: c for c in Category.objects.all()}
    for position, (slug, category, title, body) in enumerate(ARTICLES):
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
    for title, body in CANNED:
        CannedResponse.objects.get_or_create(title=title, defaults={"body": body})


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0002_seed")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
