"""The survey page: works on a phone, without log-in, from the signed link."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from prakerja.core import clock
from prakerja.core.errors import DomainError
from prakerja.core.ratelimit import client_ip, rate_limit

from . import selectors, services
from .models import RATING_CHOICES, RATING_FACES


def _choices():
    return [(value, RATING_FACES[value], label) for value, label in RATING_CHOICES]


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request, token: str):
    survey = selectors.survey_from_token(token=token)
    if survey is None:
        return render(request, "surveys/answer.html", {"state": "invalid"}, status=404)
    if survey.is_answered:
        return render(request, "surveys/answer.html", {"state": "answered", "survey": survey})
    if clock.now() >= survey.expires_at:
        return render(request, "surveys/answer.html", {"state": "expired"}, status=410)
    context = {"state": "open", "survey": survey, "choices": _choices(), "errors": {}}
    if request.method == "POST":
        rate_limit(key=f"survey:ip:{client_ip(request)}", limit=30, period=3600)
        try:
            services.survey_answer(
                survey=survey,
                rating=request.POST.get("rating", ""),
                comment=request.POST.get("comment", ""),
            )
        except DomainError as exc:
            if exc.code == "survey_answered":
                context["state"] = "answered"
            elif exc.code == "survey_expired":
                return render(request, "surveys/answer.html", {"state": "expired"}, status=410)
            else:
                context["errors"] = exc.errors
                context["comment"] = request.POST.get("comment", "")
                return render(request, "surveys/answer.html", context, status=422)
        return render(request, "surveys/answer.html", {"state": "thanks", "survey": survey})
    return render(request, "surveys/answer.html", context)
