"""gunicorn settings for the `web` process (Procfile), read from the environment.

Elastic Beanstalk's nginx proxies to 127.0.0.1:8000 on the Python platform, so that is the
default; PORT, GUNICORN_WORKERS, GUNICORN_THREADS and the GUNICORN_* timeouts override it.
"""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# Only nginx on the same instance talks to gunicorn.
bind = f"{os.environ.get('GUNICORN_HOST', '127.0.0.1')}:{_int('PORT', 8000)}"

# Requests are short (database, a queue send, a presigned URL): threads cover the I/O waits,
# processes the CPU. The worker process (qcluster) shares the instance, hence no more
# processes than cores by default.
workers = _int("GUNICORN_WORKERS", max(2, multiprocessing.cpu_count()))
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread"

# A request that takes 30 s is stuck (model calls run in the worker, never in a request).
timeout = _int("GUNICORN_TIMEOUT", 30)
# Deploys and scale-ins send SIGTERM: let in-flight requests finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Idle keep-alive sockets are closed after this; nginx is the only client.
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle processes now and then so a slow leak never becomes an outage.
# Recycling bounds slow leaks; each restart re-imports Django, so not too often.
max_requests = _int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 2000)

# The client address comes from nginx's X-Forwarded-For; trust it only from nginx.
forwarded_allow_ips = "127.0.0.1"

# Runtime control goes through EB (restart, scale), not gunicornc: no socket in the
# service user's home, which may not even be writable there.
control_socket_disable = True

# Both logs to the process's stdout/stderr, which EB writes to /var/log/web.stdout.log and
# streams to CloudWatch. The access log is one JSON object a line, like the application's
# own logs: path without query string (it never carries secrets, but stays short), the
# ALB trace id to follow a request across the load balancer's logs.
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
errorlog = "-"
accesslog = "-"
access_log_format = (
    '{"time": "%(t)s", "level": "INFO", "logger": "gunicorn.access", '
    '"method": "%(m)s", "path": "%(U)s", "status": %(s)s, "bytes": "%(B)s", '
    '"duration_ms": %(M)s, "client": "%({x-forwarded-for}i)s", '
    '"user_agent": "%(a)s", "trace_id": "%({x-amzn-trace-id}i)s"}'
)
