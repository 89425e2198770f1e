from django.urls import path, re_path

from vpr_jobs import api, api_errors, streams

jobs = api.VPRJobViewSet

urlpatterns = [
    path("cv", api.CVView.as_view(), name="cv"),
    path("me", api.MeView.as_view(), name="me"),
    path("token/rotate", api.TokenRotateView.as_view(), name="token-rotate"),
    path("vpr", jobs.as_view({"post": "create", "get": "list"}), name="vpr-jobs"),
    path(
        "vpr/status/<str:job_id>",
        jobs.as_view({"get": "status", "post": "cancel_via_status_path"}),
        name="vpr-status",
    ),
    path("vpr/<str:job_id>/cancel", jobs.as_view({"post": "cancel"}), name="vpr-cancel"),
    # An async view: served by the ASGI `events` process (nginx routes it there).
    path("vpr/<str:job_id>/events", streams.job_events, name="vpr-events"),
    path("vpr/<str:job_id>/result", api.JobResultView.as_view(), name="vpr-result"),
    path(
        "applications/<str:application_id>/vpr",
        api.ApplicationVPRView.as_view(),
        name="application-vpr",
    ),
    # Last: any other path under api/ is a JSON 404, also with DEBUG on (Django's handler404
    # is not used then, and a client would get the HTML debug page).
    re_path(r"", api_errors.json_404, name="api-not-found"),
]
