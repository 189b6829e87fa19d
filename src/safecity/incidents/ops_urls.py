from __future__ import annotations

app_name = "incidents_ops"

urlpatterns: list[object] = []
