"""FAQ answerer seam: knowledge-base suggestions for what the person typed.

Uses helpdesk's knowledge-base search (the same one the web form uses) when it exists
(`prakerja.helpdesk.selectors.articles_search`); until then a small word-match search over the
published articles stands in. Either way callers get `Suggestion`s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WORD = re.compile(r"\w{3,}", re.UNICODE)


@dataclass(frozen=True)
class Suggestion:
    slug: str
    title: str
    snippet: str
    url: str


def _article_url(article) -> str:
    from django.urls import NoReverseMatch, reverse

    for name in ("helpdesk:article", "helpdesk:kb_article", "helpdesk:article_detail"):
        try:
            return reverse(name, kwargs={"slug": article.slug})
        except NoReverseMatch:
            continue
    return ""


def _snippet(text: str, size: int = 160) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= size else text[: size - 1].rsplit(" ", 1)[0] + "…"


def _fallback_search(query: str, limit: int):
    from django.db.models import Q

    from prakerja.helpdesk.models import Article

    words = [w.lower() for w in WORD.findall(query)][:8]
    if not words:
        return []
    condition = Q()
    for word in words:
        condition |= Q(title__icontains=word) | Q(body__icontains=word)
    candidates = list(Article.objects.filter(condition, is_published=True)[:50])

    def score(article) -> int:
        title, body = article.title.lower(), article.body.lower()
        return sum(3 * (w in title) + (w in body) for w in words)

    candidates.sort(key=lambda a: (-score(a), a.title))
    return candidates[:limit]


def faq_suggestions(*, query: str, limit: int = 3) -> list[Suggestion]:
    query = (query or "").strip()[:500]
    if not query:
        return []
    try:
        from prakerja.helpdesk.selectors import articles_search
    except ImportError:
        articles = _fallback_search(query, limit)
    else:
        articles = list(articles_search(query=query, limit=limit))
    return [
        Suggestion(slug=a.slug, title=a.title, snippet=_snippet(a.body), url=_article_url(a))
        for a in articles[:limit]
    ]
