"""The training journey's knowledge-base articles (migration 0011): published in their
categories, found by the words participants use, and a supervisor's edit of a 0003 article
survives the rewrite."""

from importlib import import_module

import pytest
from django.apps import apps
from django.urls import reverse

from prakerja.helpdesk.models import Article

pytestmark = pytest.mark.django_db

MIGRATION = import_module("prakerja.helpdesk.migrations.0013_seed_knowledge_base_training")
SEEDED_0003 = {
    slug: body
    for slug, _category, _title, body in import_module(
        "prakerja.helpdesk.migrations.0003_seed_knowledge_base"
    ).ARTICLES
}


def test_training_articles_are_published_in_their_categories():
    expected = {slug: category for slug, category, *_rest in MIGRATION.ARTICLES}
    found = dict(
        Article.objects.filter(slug__in=expected, is_published=True).values_list(
            "slug", "category__slug"
        )
    )
    assert found == expected
    for slug, (title, body) in MIGRATION.REWRITTEN.items():
        article = Article.objects.get(slug=slug)
        assert (article.title, article.body) == (title, body)


@pytest.mark.parametrize(
    ("subject", "slug"),
    [
        ("kode voucher ditolak platform", "kode-voucher-pelatihan"),
        ("kartu saya dicabut belum beli pelatihan", "kepesertaan-dicabut-30-hari"),
        ("cek keaslian sertifikat", "cek-keaslian-sertifikat"),
        ("saldo pelatihan bisa dicairkan ke e-wallet?", "kartu-prakerja-dan-saldo-pelatihan"),
        ("cara menautkan e-wallet", "menautkan-akun"),
    ],
)
def test_complaint_form_suggests_the_article(client, subject, slug):
    html = client.get(reverse("helpdesk:suggestions"), {"subject": subject}).content.decode()
    assert f"/bantuan/{slug}/" in html, subject


def test_articles_are_readable_and_mention_the_rules(client):
    voucher = client.get(reverse("helpdesk:kb_article", args=["kode-voucher-pelatihan"]))
    assert voucher.status_code == 200
    assert "dibatalkan" in voucher.content.decode()
    revoked = client.get(reverse("helpdesk:kb_article", args=["kepesertaan-dicabut-30-hari"]))
    assert "30 hari" in revoked.content.decode()


def test_rerun_is_idempotent_and_keeps_a_supervisors_edit():
    Article.objects.filter(slug="mendapatkan-sertifikat").update(body="Disunting supervisor.")
    Article.objects.filter(slug="menautkan-akun").update(body=SEEDED_0003["menautkan-akun"])
    Article.objects.filter(slug="kode-voucher-pelatihan").update(title="Judul dari supervisor")
    count = Article.objects.count()
    MIGRATION.seed(apps, None)
    assert Article.objects.count() == count
    assert Article.objects.get(slug="mendapatkan-sertifikat").body == "Disunting supervisor."
    assert (
        Article.objects.get(slug="menautkan-akun").body == MIGRATION.REWRITTEN["menautkan-akun"][1]
    )
    assert Article.objects.get(slug="kode-voucher-pelatihan").title == "Judul dari supervisor"
