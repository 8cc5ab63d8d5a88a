"""FAQ answerer: knowledge-base suggestions for what the person typed, before queueing.

The same search as the web form (helpdesk's `articles_suggested`), so both channels suggest the
same articles for the same words.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from prakerja.helpdesk.selectors import articles_suggested


@dataclass(frozen=True)
class Suggestion:
    slug: str
    title: str
    snippet: str
    url: str


def _snippet(text: str, size: int = 160) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= size else text[: size - 1].rsplit(" ", 1)[0] + "…"


def faq_suggestions(*, query: str, limit: int = 3) -> list[Suggestion]:
    query = (query or "").strip()[:500]
    if not query:
        return []
    return [
        Suggestion(
            slug=article.slug,
            title=article.title,
            snippet=_snippet(article.body),
            url=reverse("helpdesk:kb_article", kwargs={"slug": article.slug}),
        )
        for article in articles_suggested(text=query, limit=limit)
    ]
