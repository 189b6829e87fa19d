from __future__ import annotations

app_name = "alerts_ops"

urlpatterns: list[object] = []
