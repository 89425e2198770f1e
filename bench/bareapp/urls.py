"""`careervp.urls` plus `/bare/submit` and `/bare/status/<id>`."""

from django.urls import path

from bench.bareapp import views
from careervp.urls import handler400, handler404, handler500
from careervp.urls import urlpatterns as app_urlpatterns

urlpatterns = [
    path("bare/submit", views.bare_submit, name="bare-submit"),
    path("bare/status/<str:job_id>", views.bare_status, name="bare-status"),
    *app_urlpatterns,
]

__all__ = ["handler400", "handler404", "handler500", "urlpatterns"]
