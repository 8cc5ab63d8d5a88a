"""Demo marketplace (idempotent): three partner platforms, about forty approved courses from
several training institutions, a card for the demo participant selected in wave 22 and one
completed training with its certificate."""

from django.contrib.auth import get_user_model
from django.db import transaction

from prakerja.core import clock
from prakerja.programs.models import Application, ApplicationStatus

from .models import Card, Platform, Purchase
from .services import (
    card_issue_for_selection,
    course_upsert,
    platform_create,
    purchase_complete,
    purchase_create,
    voucher_redeem,
)

PLATFORMS = [
    ("belajarku", "BelajarKu"),
    ("mahir-digital", "Mahir Digital"),
    ("kursus-nusa", "Kursus Nusa"),
]

# (platform, title, institution, price, mode, category, hours), one course a line
# fmt: off
COURSES = [
    ("belajarku", "Digital Marketing untuk UMKM", "Lembaga Kursus Nusantara", 750_000, "online", "Pemasaran", 12),
    ("belajarku", "Dasar-dasar Desain Grafis dengan Canva", "Kreasi Visual Academy", 350_000, "online", "Desain", 8),
    ("belajarku", "Microsoft Excel untuk Administrasi Perkantoran", "LPK Cipta Karya", 400_000, "online", "Administrasi", 10),
    ("belajarku", "Teknik Penjualan Lewat Media Sosial", "Lembaga Kursus Nusantara", 500_000, "online", "Pemasaran", 9),
    ("belajarku", "Bahasa Inggris untuk Layanan Pelanggan", "English First Step", 600_000, "online", "Bahasa", 16),
    ("belajarku", "Fotografi Produk dengan Ponsel", "Kreasi Visual Academy", 300_000, "online", "Desain", 6),
    ("belajarku", "Menulis Konten untuk Website", "Rumah Aksara", 450_000, "online", "Kepenulisan", 10),
    ("belajarku", "Pembukuan Sederhana untuk Usaha Kecil", "LPK Cipta Karya", 550_000, "online", "Keuangan", 12),
    ("belajarku", "Customer Service Profesional", "Lembaga Kursus Nusantara", 400_000, "online", "Layanan", 8),
    ("belajarku", "Manajemen Waktu dan Produktivitas Kerja", "Rumah Aksara", 250_000, "online", "Pengembangan Diri", 5),
    ("belajarku", "Dasar Pemrograman Python", "Kode Nusantara", 900_000, "online", "Teknologi Informasi", 24),
    ("belajarku", "Membuat Website dengan WordPress", "Kode Nusantara", 700_000, "online", "Teknologi Informasi", 15),
    ("belajarku", "Barista Kopi Tingkat Dasar", "Akademi Kopi Tanah Air", 950_000, "offline", "Kuliner", 20),
    ("mahir-digital", "Analisis Data dengan Google Sheets", "Data Cakap Indonesia", 600_000, "online", "Teknologi Informasi", 14),
    ("mahir-digital", "Pengantar Data Science", "Data Cakap Indonesia", 1_000_000, "online", "Teknologi Informasi", 30),
    ("mahir-digital", "Jaringan Komputer untuk Pemula", "LPK Teknika Mandiri", 800_000, "blended", "Teknologi Informasi", 20),
    ("mahir-digital", "Perbaikan Ponsel Pintar", "LPK Teknika Mandiri", 900_000, "offline", "Teknik", 24),
    ("mahir-digital", "Instalasi Listrik Rumah Tangga", "LPK Teknika Mandiri", 850_000, "offline", "Teknik", 24),
    ("mahir-digital", "Desain UI/UX untuk Aplikasi Mobile", "Kreasi Visual Academy", 950_000, "online", "Desain", 20),
    ("mahir-digital", "Video Editing untuk Konten Kreator", "Kreasi Visual Academy", 650_000, "online", "Desain", 12),
    ("mahir-digital", "Dasar Akuntansi dengan Aplikasi", "Akademi Akuntansi Prima", 700_000, "online", "Keuangan", 16),
    ("mahir-digital", "Perpajakan untuk UMKM", "Akademi Akuntansi Prima", 500_000, "online", "Keuangan", 10),
    ("mahir-digital", "Public Speaking dan Presentasi", "Rumah Aksara", 400_000, "online", "Pengembangan Diri", 8),
    ("mahir-digital", "Wawancara Kerja: Persiapan dan Praktik", "Karier Cerdas", 200_000, "online", "Pengembangan Diri", 4),
    ("mahir-digital", "Menyusun CV dan Portofolio", "Karier Cerdas", 150_000, "online", "Pengembangan Diri", 3),
    ("mahir-digital", "Admin Marketplace Online", "Lembaga Kursus Nusantara", 450_000, "online", "Pemasaran", 9),
    ("mahir-digital", "Iklan Berbayar di Media Sosial", "Lembaga Kursus Nusantara", 650_000, "online", "Pemasaran", 12),
    ("kursus-nusa", "Menjahit Pakaian Dasar", "LKP Busana Cantik", 800_000, "offline", "Busana", 30),
    ("kursus-nusa", "Tata Rias Pengantin", "LKP Busana Cantik", 1_000_000, "offline", "Kecantikan", 32),
    ("kursus-nusa", "Membuat Kue Kering untuk Dijual", "Dapur Ibu Academy", 450_000, "blended", "Kuliner", 10),
    ("kursus-nusa", "Memasak Masakan Nusantara Rumahan", "Dapur Ibu Academy", 500_000, "online", "Kuliner", 12),
    ("kursus-nusa", "Keamanan dan Kebersihan Pangan", "Dapur Ibu Academy", 300_000, "online", "Kuliner", 6),
    ("kursus-nusa", "Budidaya Ikan Lele Bioflok", "Tani Muda Berdaya", 550_000, "blended", "Pertanian", 14),
    ("kursus-nusa", "Hidroponik Sayuran Skala Rumah", "Tani Muda Berdaya", 400_000, "online", "Pertanian", 10),
    ("kursus-nusa", "Mengemudi Aman untuk Pengemudi Ojek Daring", "LPK Sentosa Mandiri", 250_000, "online", "Transportasi", 5),
    ("kursus-nusa", "Perawatan Sepeda Motor", "LPK Sentosa Mandiri", 700_000, "offline", "Teknik", 20),
    ("kursus-nusa", "Bahasa Jepang Dasar untuk Kerja", "English First Step", 900_000, "online", "Bahasa", 24),
    ("kursus-nusa", "Perawatan Lansia (Caregiver)", "LPK Kasih Bunda", 950_000, "blended", "Kesehatan", 28),
    ("kursus-nusa", "Pertolongan Pertama di Tempat Kerja", "LPK Kasih Bunda", 350_000, "online", "Kesehatan", 6),
    ("kursus-nusa", "Kewirausahaan: Memulai Usaha dari Rumah", "Karier Cerdas", 300_000, "online", "Kewirausahaan", 8),
]
# fmt: on

OFFLINE_SCHEDULE = "Senin-Jumat, 09.00-15.00 WIB, di kelas lembaga (Jakarta Selatan)."


@transaction.atomic
def seed(*, stdout) -> None:
    new_tokens = []
    for slug, name in PLATFORMS:
        if not Platform.objects.filter(slug=slug).exists():
            new_tokens.append((slug, platform_create(slug=slug, name=name)[1]))
    platforms = {p.slug: p for p in Platform.objects.filter(slug__in=[s for s, _ in PLATFORMS])}
    for n, (slug, title, institution, price, mode, category, hours) in enumerate(COURSES, 1):
        course_upsert(
            platform=platforms[slug],
            external_id=f"DEMO-{n:03d}",
            data={
                "title": title,
                "provider": institution,
                "price": price,
                "mode": mode,
                "category": category,
                "hours": hours,
                "description": f"{title}: pelatihan {hours} jam oleh {institution}, dengan "
                "video, kuis, tugas praktik dan sertifikat setelah selesai.",
                "schedule": OFFLINE_SCHEDULE if mode != "online" else "",
            },
            approve=True,
        )
    card = _demo_card()
    stdout.write(
        f"training: {len(PLATFORMS)} platforms, {len(COURSES)} approved courses"
        + (f", card {card.number} for {card.participant.username}" if card else "")
    )
    for slug, token in new_tokens:
        stdout.write(f"training: API token of platform {slug} (shown once): {token}")


def _demo_card() -> Card | None:
    """A card for the demo participant selected in wave 22 (programs' demo), with one training
    completed and certified, so the dashboard, "my trainings" and certificates have content."""
    participant = (
        get_user_model().objects.filter(username="peserta.lolos@demo.prakerja.local").first()
    )
    application = (
        Application.objects.select_related("wave")
        .filter(participant=participant, status=ApplicationStatus.SELECTED)
        .first()
        if participant
        else None
    )
    if application is None or application.wave.announce_at is None:
        return None
    card_issue_for_selection(wave=application.wave, applications=[application])
    card = Card.objects.get(application=application)
    if card.issued_at <= clock.now() and not Purchase.objects.filter(card=card).exists():
        platform = Platform.objects.get(slug="belajarku")
        course = platform.courses.get(external_id="DEMO-010")
        purchase = purchase_create(participant=participant, course=course)
        voucher_redeem(platform=platform, voucher_code=purchase.voucher_code)
        purchase_complete(
            platform=platform,
            voucher_code=purchase.voucher_code,
            completed_at=clock.now(),
            score=88,
        )
    return card
