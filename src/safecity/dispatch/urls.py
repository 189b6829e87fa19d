from __future__ import annotations

from django.urls import path

from safecity.dispatch import views

app_name = "dispatch"

urlpatterns = [
    path("console/", views.console, name="console"),
    path("my-unit/", views.my_unit, name="my_unit"),
]
