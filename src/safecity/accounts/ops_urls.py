from __future__ import annotations

from django.urls import path

from safecity.accounts import views

app_name = "ops"

urlpatterns = [
    path("", views.ops_home, name="home"),
    path("audit/", views.audit_page, name="audit"),
]
