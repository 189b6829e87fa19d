from __future__ import annotations

from django.urls import path, re_path

from safecity.alerts import views

app_name = "alerts"

# A CAP identifier: letters, digits, dots, dashes, underscores (vn.gov.ca.hcm.safecity.2026.000001).
IDENTIFIER = r"(?P<identifier>[A-Za-z0-9._-]{1,120})"

urlpatterns = [
    path("", views.alert_list, name="list"),
    path("feed.atom", views.alert_feed, name="feed"),
    path("subscribe/", views.subscribe, name="subscribe"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("articles/", views.article_list, name="articles"),
    path("articles/<slug:slug>/", views.article_detail, name="article"),
    re_path(rf"^{IDENTIFIER}\.xml$", views.alert_cap, name="cap"),
    re_path(rf"^{IDENTIFIER}/$", views.alert_detail, name="detail"),
]
