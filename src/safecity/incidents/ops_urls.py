from __future__ import annotations

from django.urls import path

from safecity.incidents import views_ops

app_name = "incidents_ops"

urlpatterns = [
    path("", views_ops.queue, name="queue"),
    path("intake/", views_ops.intake, name="intake"),
    path("media/<int:media_id>/", views_ops.media_file, name="media"),
    path("<int:incident_id>/", views_ops.detail, name="detail"),
    path("<int:incident_id>/acknowledge/", views_ops.acknowledge, name="acknowledge"),
    path("<int:incident_id>/priority/", views_ops.set_priority, name="priority"),
    path("<int:incident_id>/merge/", views_ops.merge, name="merge"),
    path("<int:incident_id>/reports/<int:report_id>/unlink/", views_ops.unlink, name="unlink"),
    path("<int:incident_id>/close/", views_ops.close, name="close"),
]
