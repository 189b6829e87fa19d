from __future__ import annotations

from django.urls import path

from safecity.core import views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]
