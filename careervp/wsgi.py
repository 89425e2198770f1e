"""WSGI entry point (gunicorn `careervp.wsgi:application`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careervp.settings")

application = get_wsgi_application()
