from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from safecity.api import api

admin.site.site_header = "SafeCity"
admin.site.site_title = "SafeCity"

urlpatterns = [
    path("", include("safecity.core.urls")),
    path("accounts/", include("safecity.accounts.urls")),
    path("ops/", include("safecity.accounts.ops_urls")),
    path("ops/incidents/", include("safecity.incidents.ops_urls")),
    path("ops/records/", include("safecity.records.urls")),
    path("ops/alerts/", include("safecity.alerts.ops_urls")),
    path("ops/cameras/", include("safecity.cameras.urls")),
    path("ops/", include("safecity.map.urls")),
    path("ops/", include("safecity.dispatch.urls")),
    path("alerts/", include("safecity.alerts.urls")),
    path("", include("safecity.incidents.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
