from django.apps import AppConfig


class VprJobsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "vpr_jobs"
    verbose_name = "VPR jobs"
