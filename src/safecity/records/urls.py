from __future__ import annotations

from django.urls import URLPattern, path

from safecity.records import views, views_review

app_name = "records"


def _record_pages() -> list[URLPattern]:
    pages = []
    for kind, prefix in views.PATHS.items():
        pages += [
            path(f"{prefix}/<int:pk>/", views.record, {"kind": kind}, name=kind),
            path(
                f"{prefix}/<int:pk>/access/",
                views.access_log,
                {"kind": kind},
                name=f"{kind}_access",
            ),
        ]
    return pages


urlpatterns = [
    path("", views.search, name="search"),
    path("purpose/", views.purpose, name="purpose"),
    path("duplicates/", views_review.duplicates, name="duplicates"),
    path("duplicates/<int:pk>/merge/", views_review.duplicate_merge, name="duplicate_merge"),
    path(
        "duplicates/<int:pk>/distinct/",
        views_review.duplicate_distinct,
        name="duplicate_distinct",
    ),
    path("merges/<int:pk>/undo/", views_review.merge_undo, name="merge_undo"),
    *_record_pages(),
]
