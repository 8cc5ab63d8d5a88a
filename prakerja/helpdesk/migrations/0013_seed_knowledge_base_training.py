"""Knowledge-base articles for the training journey (the card and its balance, choosing and buying a
training, vouchers, certificates and their public check, revocation after 30 days), and the
e-wallet and certificate articles of 0003 rewritten to match how the site now works.

Idempotent: an article whose slug exists is left as it is, and a category that no longer exists is
skipped. A 0003 article is rewritten only while its body is still the seeded text, so a
supervisor's edit is never overwritten."""

from importlib import import_module

from django.db import migrations
from django.utils import timezone

# (slug, category, position in the category, title, body): Bahasa Indonesia, like 0003's.
ARTICLES = [
    (
        "kartu-prakerja-dan-saldo-pelatihan",
        "training",
        1,
        "Kartu Prakerja dan saldo pelatihan",
        "Peserta yang lolos seleksi mendapat Kartu Prakerja: nomor 16 digit dengan saldo "
        "pelatihan (Rp1.000.000, kecuali ketentuan gelombang Anda menyebut lain). Kartu tampil di "
        "dasbor begitu hasil seleksi diumumkan, bersama saldo, masa berlaku dan batas waktu "
        "pembelian pelatihan pertama.\n\n"
        "- Saldo hanya untuk membeli pelatihan di katalog resmi. Saldo tidak dapat dicairkan, "
        "ditransfer, atau dipindahkan ke e-wallet.\n"
        "- Harga pelatihan langsung dipotong dari saldo saat Anda membeli. Sisa saldo dapat dipakai "
        "untuk pelatihan berikutnya selama kartu masih berlaku.\n"
        "- Beli pelatihan pertama paling lambat 30 hari setelah hasil seleksi diumumkan. Jika "
        "tidak, kepesertaan dicabut dan saldo kembali ke negara.\n\n"
        "Nomor kartu bukan kata sandi, tetapi jangan berikan nomor kartu, kode voucher atau kode "
        "OTP kepada orang yang menawarkan bantuan membeli pelatihan atau mencairkan saldo.",
    ),
    (
        "kode-voucher-pelatihan",
        "training",
        2,
        "Kode voucher: menukarkannya di platform pelatihan",
        "Setiap pembelian pelatihan menghasilkan kode voucher (huruf dan angka). Kode ini bukti "
        "bahwa pelatihan sudah dibayar dengan saldo Kartu Prakerja.\n\n"
        "1. Lihat kode voucher di halaman Pelatihan Saya.\n"
        "2. Buka platform digital yang menjual pelatihan itu (namanya tertulis di halaman "
        "pelatihan), masuk ke akun Anda di platform tersebut, lalu masukkan kode voucher di "
        "halaman penukaran (redeem) voucher.\n"
        "3. Setelah platform menerima kode, statusnya di Pelatihan Saya menjadi Sudah "
        "ditukarkan dan Anda dapat mulai belajar.\n\n"
        "Kode hanya dapat ditukarkan satu kali dan hanya di platform yang menjual pelatihan itu. "
        "Jangan bagikan kode kepada siapa pun: siapa pun yang memegangnya dapat menukarkannya.\n\n"
        "Berubah pikiran? Selama kode belum ditukarkan, pembelian dapat dibatalkan di Pelatihan "
        "Saya dan harga pelatihan kembali ke saldo. Setelah ditukarkan, pembelian tidak dapat "
        "dibatalkan.\n\n"
        "Jika platform menolak kode: periksa penulisannya (kode tidak memakai huruf I, L, O dan "
        "angka 0, 1) dan pastikan Anda berada di platform yang benar. Jika tetap ditolak, kirim "
        "pengaduan kategori Memilih pelatihan dengan kode voucher dan tangkapan layar pesan "
        "kesalahannya.",
    ),
    (
        "kepesertaan-dicabut-30-hari",
        "training",
        3,
        "Kepesertaan dicabut karena tidak membeli pelatihan dalam 30 hari",
        "Pelatihan pertama wajib dibeli paling lambat 30 hari sejak hasil seleksi diumumkan. "
        "Tanggal dan jam batas waktunya tertulis pada kartu di dasbor.\n\n"
        "Jika sampai batas waktu itu belum ada pembelian, kepesertaan dicabut tepat pada "
        "waktunya: status kartu menjadi Dicabut, kartu tidak dapat lagi dipakai membeli "
        "pelatihan, dan saldo pelatihan dikembalikan ke negara. Kepesertaan yang sudah dicabut "
        "tidak dapat dipulihkan, dan petugas tidak dapat memperpanjang batas waktu.\n\n"
        "Cukup satu pembelian sebelum batas waktu agar kartu tidak dicabut, walaupun pembelian itu "
        "kemudian dibatalkan. Jangan menunggu hari terakhir: pilih pelatihan lebih awal.\n\n"
        "Jika Anda yakin sudah membeli sebelum batas waktu tetapi kartu berstatus Dicabut, kirim "
        "pengaduan kategori Memilih pelatihan dengan kode voucher dan waktu pembelian.",
    ),
    (
        "cek-keaslian-sertifikat",
        "certificate",
        1,
        "Memeriksa keaslian sertifikat (untuk pemberi kerja)",
        "Setiap sertifikat pelatihan Kartu Prakerja memiliki nomor (contoh: PRK-2022-ABCDE23456) "
        "dan kode QR.\n\n"
        "1. Pindai kode QR pada sertifikat, atau buka halaman Cek Sertifikat (/sertifikat/) dan "
        "ketik nomornya.\n"
        "2. Sertifikat yang asli ditandai Valid, dengan judul pelatihan, lembaga pelatihan, "
        "platform dan tanggal terbit. Nama pemegang hanya ditampilkan sebagian (misalnya "
        "Bu** Sa*****) untuk melindungi data pribadi: cocokkan dengan nama pada sertifikat dan "
        "KTP pemegangnya.\n"
        "3. Jika nomor tidak ditemukan, periksa salah ketik. Sertifikat yang nomornya tidak "
        "ditemukan tidak diterbitkan melalui Kartu Prakerja.\n\n"
        "Pemeriksaan ini gratis dan tidak memerlukan akun.",
    ),
]

# 0003's articles rewritten (slug: title, body), while their body is still 0003's text.
REWRITTEN = {
    "menggunakan-e-wallet": (
        "Cara menggunakan e-wallet untuk menerima insentif",
        "E-wallet atau rekening bank yang Anda tautkan hanya dipakai untuk menerima insentif. "
        "Saldo pelatihan tidak masuk ke e-wallet: saldo itu ada di Kartu Prakerja dan hanya "
        "dapat dipakai membeli pelatihan di katalog.\n\n"
        "1. Gunakan e-wallet atas nama dan NIK Anda sendiri yang sudah terverifikasi (premium), "
        "terdaftar dengan nomor HP yang sama dengan nomor HP akun Prakerja.\n"
        "2. Tautkan di menu Akun > Penautan Rekening saat penautan dibuka (lihat pengumuman di "
        "dasbor).\n"
        "3. Insentif dikirim setelah pelatihan pertama selesai dan ulasan serta rating "
        "pelatihannya terkirim, sesuai jadwal di dasbor.\n\n"
        "Menerima insentif tidak dipungut biaya apa pun. Petugas tidak pernah meminta kode OTP, "
        "PIN atau kata sandi e-wallet Anda.",
    ),
    "menautkan-akun": (
        "Menautkan akun e-wallet atau rekening bank",
        "Penautan menghubungkan akun Prakerja dengan satu e-wallet atau rekening bank atas nama "
        "Anda sendiri.\n\n"
        "1. Pastikan data diri Anda sudah terverifikasi.\n"
        "2. Buka Akun > Penautan Rekening, pilih bank atau e-wallet, lalu masukkan nomornya. "
        "Untuk e-wallet, masukkan nomor HP yang terdaftar di e-wallet: nomor ini harus sama "
        "dengan nomor HP akun Prakerja.\n"
        "3. Nama dan NIK pemilik rekening diperiksa ke bank atau e-wallet dan harus sama dengan "
        "data diri Anda.\n"
        "4. Masukkan kode yang dikirim lewat SMS. Kode berlaku 5 menit.\n\n"
        "Jika muncul pesan bahwa rekening bukan atas nama Anda, gunakan rekening atau e-wallet "
        "milik sendiri. Selama penautan dibuka, Anda dapat menggantinya dengan rekening lain; "
        "rekening sebelumnya tetap tercatat di riwayat.",
    ),
    "memilih-pelatihan-daring": (
        "Memilih dan membeli pelatihan",
        "Pelatihan dijual oleh platform digital mitra dan diberikan oleh lembaga pelatihan. "
        "Pelatihan tampil di katalog setelah diperiksa Manajemen Pelaksana.\n\n"
        "1. Buka Katalog Pelatihan dari dasbor. Cari judul atau nama lembaga, lalu saring menurut "
        "kategori, harga, cara belajar (daring, luring atau campuran) dan platform.\n"
        "2. Di halaman pelatihan, baca deskripsinya, jumlah jam, lembaga pelatihan, serta rating "
        "dan ulasan peserta lain.\n"
        "3. Pilih pelatihan yang menunjang pekerjaan atau usaha yang Anda tuju dan harganya "
        "tidak melebihi saldo. Untuk pelatihan luring dan campuran, periksa jadwal dan tempatnya.\n"
        "4. Tekan Beli lalu konfirmasi. Harga dipotong dari saldo dan Anda mendapat kode voucher "
        "untuk ditukarkan di platform.\n\n"
        "Pelatihan yang sama tidak dapat dibeli dua kali. Beli pelatihan pertama paling lambat "
        "30 hari setelah hasil seleksi diumumkan, atau kepesertaan dicabut.",
    ),
    "mendapatkan-sertifikat": (
        "Mendapatkan sertifikat pelatihan",
        "Sertifikat terbit saat platform tempat Anda membeli melaporkan bahwa Anda menyelesaikan "
        "pelatihan (seluruh materi dan tes akhirnya).\n\n"
        "1. Buka Pelatihan Saya: pelatihan yang selesai menampilkan nomor sertifikat dan tautan "
        "untuk mengunduhnya (PDF).\n"
        "2. Sertifikat memuat nama Anda sesuai KTP, judul pelatihan, lembaga pelatihan, nomor "
        "sertifikat dan kode QR yang dapat dipindai pemberi kerja untuk memeriksa keasliannya.\n"
        "3. Beri rating (1-5) dan ulasan untuk pelatihan itu. Ulasan wajib sebelum insentif "
        "diproses.\n\n"
        "Jika Anda sudah menyelesaikan pelatihan tetapi statusnya belum Selesai, hubungi dahulu "
        "layanan bantuan platform tempat Anda membeli, karena platform yang melaporkan "
        "kelulusan. Jika tetap belum muncul, kirim pengaduan kategori Sertifikat dengan kode "
        "voucher, nama pelatihan dan tanggal selesai.",
    ),
}


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
    seeded = {
        slug: body
        for slug, _category, _title, body in import_module(
            "prakerja.helpdesk.migrations.0003_seed_knowledge_base"
        ).ARTICLES
    }
    for slug, (title, body) in REWRITTEN.items():
        Article.objects.filter(slug=slug, body=seeded[slug]).update(
            title=title, body=body, updated_at=timezone.now()
        )


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0012_sla_watch")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
