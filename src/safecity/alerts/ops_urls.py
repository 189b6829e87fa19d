from __future__ import annotations

from django.urls import path

from safecity.alerts import ops_views

app_name = "alerts_ops"

urlpatterns = [
    path("", ops_views.alert_list, name="list"),
    path("new/", ops_views.alert_compose, name="compose"),
    path("<int:alert_id>/", ops_views.alert_detail, name="detail"),
    path("<int:alert_id>/edit/", ops_views.alert_edit, name="edit"),
    path("<int:alert_id>/approve/", ops_views.alert_approve, name="approve"),
    path("<int:alert_id>/publish/", ops_views.alert_publish, name="publish"),
    path("<int:alert_id>/update/", ops_views.alert_update, name="update"),
    path("<int:alert_id>/cancel/", ops_views.alert_cancel, name="cancel"),
    path("articles/", ops_views.article_list, name="articles"),
    path("articles/new/", ops_views.article_form, name="article_new"),
    path("articles/<int:article_id>/edit/", ops_views.article_form, name="article_edit"),
    path("articles/<int:article_id>/publish/", ops_views.article_publish, name="article_publish"),
]
