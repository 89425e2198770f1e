"""The application's own settings plus the bare-limit views (bench only).

gunicorn serves `/api/...` (the real API) and `/bare/...` (the floor) from the same processes,
with the same middleware, database connection settings and gunicorn config, so the two are
measured side by side under identical conditions.
"""

from careervp.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bareapp.urls"
