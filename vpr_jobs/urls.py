from django.urls import path, re_path

from vpr_jobs import api, api_errors

jobs = api.VPRJobViewSet

urlpatterns = [
    path("cv", api.CVView.as_view(), name="cv"),
    path("vpr", jobs.as_view({"post": "create", "get": "list"}), name="vpr-jobs"),
    path(
        "vpr/status/<str:job_id>",
        jobs.as_view({"get": "status", "post": "cancel_via_status_path"}),
        name="vpr-status",
    ),
    path("vpr/<str:job_id>/cancel", jobs.as_view({"post": "cancel"}), name="vpr-cancel"),
    path("vpr/<str:job_id>/result", jobs.as_view({"get": "result"}), name="vpr-result"),
    path(
        "applications/<str:application_id>/vpr",
        api.ApplicationVPRView.as_view(),
        name="application-vpr",
    ),
    # Last: any other path under api/ is a JSON 404, also with DEBUG on (Django's handler404
    # is not used then, and a client would get the HTML debug page).
    re_path(r"", api_errors.json_404, name="api-not-found"),
]
