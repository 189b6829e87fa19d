from __future__ import annotations

from django.urls import path

from safecity.incidents import views_public

app_name = "incidents"

urlpatterns = [
    path("report/", views_public.report_page, name="report"),
    path("track/", views_public.track_lookup, name="track_lookup"),
    path("track/<str:code>/", views_public.track_page, name="track"),
]
