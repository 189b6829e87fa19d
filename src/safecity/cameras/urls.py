from __future__ import annotations

from django.urls import path

from safecity.cameras import views, views_sightings

app_name = "cameras"

urlpatterns = [
    path("", views.home, name="home"),
    path("<int:camera_id>/", views.camera, name="camera"),
    path("hits/", views.hits, name="hits"),
    path("hits/<int:hit_id>/confirm/", views.hit_confirm, name="hit_confirm"),
    path("hits/<int:hit_id>/dismiss/", views.hit_dismiss, name="hit_dismiss"),
    path("watchlists/", views.watchlists, name="watchlists"),
    path("watchlists/<int:watchlist_id>/", views.watchlist, name="watchlist"),
    path(
        "watchlists/<int:watchlist_id>/entries/<int:entry_id>/remove/",
        views.entry_remove,
        name="entry_remove",
    ),
    path("purpose/", views_sightings.purpose, name="purpose"),
    path("trace/", views_sightings.trace, name="trace"),
    path("near/<int:incident_id>/", views_sightings.near, name="near"),
]
