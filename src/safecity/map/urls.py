from __future__ import annotations

from django.urls import path

from safecity.map import views

app_name = "map"

urlpatterns = [
    path("map/", views.map_page, name="map"),
    path("stats/", views.stats_page, name="stats"),
    path("stats/export.csv", views.stats_export, name="stats_export"),
]
