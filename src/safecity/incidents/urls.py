from __future__ import annotations

app_name = "incidents"

urlpatterns: list[object] = []
