from django.urls import path

from vpr_jobs import api, streams

jobs = api.VPRJobViewSet

urlpatterns = [
    path("cv", api.CVView.as_view(), name="cv"),
    path("vpr", jobs.as_view({"post": "create", "get": "list"}), name="vpr-jobs"),
    path(
        "vpr/status/<str:job_id>",
        jobs.as_view({"get": "status", "post": "cancel_via_status_path"}),
        name="vpr-status",
    ),
    # Outside vpr/: under it, vpr/<job_id>/cancel and vpr/results/<token> overlap.
    path("results/<str:token>", api.ResultDownloadView.as_view(), name="vpr-result-download"),
    path("vpr/<str:job_id>/cancel", jobs.as_view({"post": "cancel"}), name="vpr-cancel"),
    # An async view: served by the ASGI `events` process (nginx routes it there).
    path("vpr/<str:job_id>/events", streams.job_events, name="vpr-events"),
    path(
        "applications/<str:application_id>/vpr",
        api.ApplicationVPRView.as_view(),
        name="application-vpr",
    ),
]
