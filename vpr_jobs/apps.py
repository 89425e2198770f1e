from django.apps import AppConfig


class VprJobsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "vpr_jobs"
    verbose_name = "VPR jobs"

    def ready(self) -> None:
        from vpr_jobs import authentication  # noqa: F401  (connects its signal receivers)
