"""The knowledge base: published articles, suggestions for a question, canned responses."""

import re

from django.db.models import Q

from prakerja.core.errors import NotFound

from ..models import Article, CannedResponse


def articles_published(*, category_slug: str = "", query: str = "", limit: int = 50):
    qs = Article.objects.filter(is_published=True).select_related("category")
    if category_slug:
        qs = qs.filter(category__slug=category_slug)
    query = (query or "").strip()[:100]
    if query:
        for word in query.split()[:5]:
            qs = qs.filter(Q(title__icontains=word) | Q(body__icontains=word))
    return list(qs[:limit])


STOPWORDS = frozenset(
    [
        "yang",
        "dan",
        "di",
        "ke",
        "dari",
        "saya",
        "tidak",
        "bisa",
        "untuk",
        "dengan",
        "ini",
        "itu",
        "sudah",
        "akan",
        "ada",
        "atau",
        "the",
        "and",
        "to",
        "of",
        "is",
        "it",
        "my",
        "not",
        "can",
    ]
)


def articles_suggested(*, text: str, category_slug: str = "", limit: int = 3):
    """Articles that look relevant to what the requester is typing: ranked by how many of the
    text's words they contain (the knowledge base is small; this reads titles and bodies)."""
    words = {
        w for w in re.findall(r"[a-zA-Z\-]{4,}", (text or "").lower())[:60] if w not in STOPWORDS
    }
    if not words and not category_slug:
        return []
    scored = []
    for article in Article.objects.filter(is_published=True).select_related("category")[:500]:
        haystack = f"{article.title} {article.title} {article.body}".lower()
        score = sum(1 for w in words if w in haystack)
        if category_slug and article.category.slug == category_slug:
            score += 1
        if score:
            scored.append((score, article.position, article.title, article))
    scored.sort(key=lambda item: (-item[0], item[1], item[2]))
    return [item[3] for item in scored[:limit]]


def article_get_published(*, slug: str) -> Article:
    """A published article, or NotFound."""
    article = (
        Article.objects.select_related("category").filter(slug=slug, is_published=True).first()
    )
    if article is None:
        raise NotFound()
    return article


def canned_responses_active(*, limit: int = 100) -> list[CannedResponse]:
    """The canned responses agents may pick from, by title."""
    return list(CannedResponse.objects.filter(is_active=True).order_by("title")[:limit])


def canned_response_get_active(*, pk: int) -> CannedResponse:
    """One active canned response, or NotFound."""
    canned = CannedResponse.objects.filter(pk=pk, is_active=True).first()
    if canned is None:
        raise NotFound()
    return canned
