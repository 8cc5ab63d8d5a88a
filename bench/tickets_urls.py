"""The project's URLs plus the intake baseline: a bare view doing one INSERT per POST."""

from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.urls import urlpatterns as project_urls
from prakerja.core.models import AuditLog


@csrf_exempt
@require_POST
def insert_one(request):
    AuditLog.objects.create(
        at=timezone.now(),
        action="bench.insert",
        object_type="bench",
        object_id=request.POST.get("email", "")[:64],
        object_label=request.POST.get("subject", "")[:200],
    )
    return HttpResponse("ok", status=201)


urlpatterns = [path("bench/insert/", insert_one), *project_urls]
