from importlib.util import find_spec

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from config.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
]
# Each domain app that has pages owns its paths (and namespace) in its urls.py.
urlpatterns += [
    path("", include(f"{app}.urls")) for app in settings.DOMAIN_APPS if find_spec(f"{app}.urls")
]

handler400 = "prakerja.core.views.bad_request"
handler403 = "prakerja.core.views.permission_denied"
handler404 = "prakerja.core.views.page_not_found"
handler500 = "prakerja.core.views.server_error"
