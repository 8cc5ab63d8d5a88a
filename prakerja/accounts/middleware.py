from django.http import JsonResponse
from django.shortcuts import render

from prakerja.core.errors import error_body

from .admission import ADMITTED_KEY, SIGNUP_PATHS, WaitingRoom, signup_admit


class SignupWaitingRoomMiddleware:
    """The waiting room where `admission.SignupAdmission` does not run in front of Django (ASGI,
    the test client). It runs before anything else in the stack (sessions, CSRF, body parsing), so
    a refusal costs one cache round trip. Placed first in MIDDLEWARE; a sign-up the WSGI wrapper
    already admitted is not counted again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method == "POST"
            and request.path in SIGNUP_PATHS
            and not request.META.get(ADMITTED_KEY)
        ):
            try:
                signup_admit()
            except WaitingRoom as exc:
                return self.refuse(request, exc)
        return self.get_response(request)

    @staticmethod
    def refuse(request, exc: WaitingRoom):
        if request.path.startswith("/api/"):
            body = error_body(code=exc.code, message=exc.message)
            body["position"] = exc.position
            body["retry_after"] = exc.retry_after
            response = JsonResponse(body, status=429)
        else:
            response = render(
                request,
                "core/429.html",
                {"retry_after": exc.retry_after, "message": exc.message},
                status=429,
            )
        response["Retry-After"] = str(exc.retry_after)
        response["Cache-Control"] = "no-store"
        return response
