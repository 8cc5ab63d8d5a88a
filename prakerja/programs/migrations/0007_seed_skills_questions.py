"""Seed the basic skills test (Tes Kemampuan Dasar) with a first bank of questions in Bahasa
Indonesia: literacy, numeracy and logic at the level of a junior high school leaver. The correct
choice sits at a different place in each question, so choice ids say nothing about it. Idempotent:
a question whose text exists is left as it is.

The PMO maintains the bank in the admin and sees the attempts. Waves whose results were published (announce_at passed) before result messages existed are marked as notified, so the
first run of the notification job does not message their participants months later."""

from django.db import migrations

from prakerja.core.migration_helpers import grant
from django.db.models import F
from django.utils import timezone

# (topic, question, [choices], index of the correct choice)
QUESTIONS = [
    (
        "literacy",
        "Kalimat manakah yang ditulis dengan ejaan yang benar?",
        [
            "Dia pergi ke pasar kemarin sore.",
            "Dia pergi kepasar kemarin sore.",
            "Dia pergi ke Pasar kemarin Sore.",
            "dia pergi ke pasar kemarin sore",
        ],
        0,
    ),
    (
        "literacy",
        "Sinonim kata \"cermat\" adalah ...",
        ["ceroboh", "teliti", "cepat", "lambat"],
        1,
    ),
    (
        "literacy",
        "Antonim kata \"hemat\" adalah ...",
        ["irit", "cermat", "boros", "murah"],
        2,
    ),
    (
        "literacy",
        "\"Pendaftaran ditutup pukul 23.59 WIB. Peserta yang belum memverifikasi data diri tidak "
        "dapat ikut gelombang.\" Apa yang harus dilakukan peserta sebelum ikut gelombang?",
        [
            "Membeli pelatihan",
            "Menunggu pengumuman",
            "Menghubungi pusat kontak",
            "Memverifikasi data diri",
        ],
        3,
    ),
    (
        "literacy",
        "Makna ungkapan \"naik daun\" adalah ...",
        ["sedang terkenal", "memanjat pohon", "sedang marah", "jatuh miskin"],
        0,
    ),
    (
        "literacy",
        "Kata baku di bawah ini adalah ...",
        ["apotik", "nasehat", "kualitas", "resiko"],
        2,
    ),
    (
        "literacy",
        "Gagasan utama sebuah paragraf biasanya terdapat pada ...",
        ["judul bacaan", "kalimat utama", "kata penghubung", "tanda baca"],
        1,
    ),
    (
        "numeracy",
        "Harga sebuah buku Rp 12.000. Berapa harga 5 buku?",
        ["Rp 50.000", "Rp 55.000", "Rp 65.000", "Rp 60.000"],
        3,
    ),
    (
        "numeracy",
        "Diskon 25% untuk barang seharga Rp 200.000. Berapa harga setelah diskon?",
        ["Rp 150.000", "Rp 175.000", "Rp 125.000", "Rp 25.000"],
        0,
    ),
    (
        "numeracy",
        "Saldo pelatihan Rp 1.000.000. Setelah membeli pelatihan Rp 350.000 dan Rp 400.000, sisa "
        "saldo adalah ...",
        ["Rp 350.000", "Rp 250.000", "Rp 150.000", "Rp 300.000"],
        1,
    ),
    (
        "numeracy",
        "Sebuah pelatihan berlangsung 3 jam sehari selama 4 hari. Berapa jam totalnya?",
        ["7 jam", "10 jam", "12 jam", "14 jam"],
        2,
    ),
    (
        "numeracy",
        "Berapakah 3/4 dari 48?",
        ["32", "36", "24", "40"],
        1,
    ),
    (
        "numeracy",
        "Rata-rata dari 6, 8 dan 10 adalah ...",
        ["7", "9", "10", "8"],
        3,
    ),
    (
        "numeracy",
        "Jarak 120 km ditempuh dalam 2 jam. Berapa kecepatan rata-ratanya?",
        ["60 km/jam", "40 km/jam", "80 km/jam", "240 km/jam"],
        0,
    ),
    (
        "logic",
        "Lanjutkan deret berikut: 2, 4, 8, 16, ...",
        ["18", "24", "32", "20"],
        2,
    ),
    (
        "logic",
        "Semua peserta yang lolos mendapat kartu. Budi lolos. Kesimpulan yang benar adalah ...",
        [
            "Budi mendapat kartu.",
            "Budi tidak mendapat kartu.",
            "Semua yang mendapat kartu adalah Budi.",
            "Tidak dapat disimpulkan.",
        ],
        0,
    ),
    (
        "logic",
        "Ani lebih tinggi dari Budi. Budi lebih tinggi dari Citra. Siapa yang paling pendek?",
        ["Ani", "Budi", "Tidak dapat ditentukan", "Citra"],
        3,
    ),
    (
        "logic",
        "Lanjutkan deret berikut: 5, 10, 8, 13, 11, ...",
        ["14", "16", "9", "13"],
        1,
    ),
    (
        "logic",
        "Hari ini Senin. Tiga hari lagi adalah hari ...",
        ["Rabu", "Kamis", "Jumat", "Selasa"],
        1,
    ),
    (
        "logic",
        "Dokter : rumah sakit = guru : ...",
        ["murid", "buku", "sekolah", "pelajaran"],
        2,
    ),
    (
        "logic",
        "Jika hujan, jalan basah. Jalan tidak basah. Maka ...",
        [
            "Hari ini hujan.",
            "Hari ini tidak hujan.",
            "Jalan sedang diperbaiki.",
            "Besok akan hujan.",
        ],
        1,
    ),
]


def seed(apps, schema_editor):
    Question = apps.get_model("programs", "SkillsQuestion")
    Choice = apps.get_model("programs", "SkillsChoice")
    for topic, text, choices, correct in QUESTIONS:
        if Question.objects.filter(text=text).exists():
            continue
        question = Question.objects.create(topic=topic, text=text)
        Choice.objects.bulk_create(
            Choice(question=question, text=choice, is_correct=index == correct)
            for index, choice in enumerate(choices)
        )


def grant_pmo(apps, schema_editor):
    grant(
        apps,
        "pmo_admin",
        [
            f"programs.{verb}_{model}"
            for model in ("skillsquestion", "skillschoice")
            for verb in ("add", "change", "view")
        ]
        + ["programs.view_skillstestattempt"],
    )


def mark_published_waves(apps, schema_editor):
    Wave = apps.get_model("programs", "Wave")
    Wave.objects.filter(announce_at__lte=timezone.now(), results_notified_at__isnull=True).update(
        results_notified_at=F("announce_at")
    )


class Migration(migrations.Migration):
    dependencies = [("programs", "0006_skills_test_and_result_notices"), ("core", "0002_roles")]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(grant_pmo, migrations.RunPython.noop),
        migrations.RunPython(mark_published_waves, migrations.RunPython.noop),
    ]
