"""`qcluster`: django-q2's command, with task modules preloaded and a shutdown that ends.

**Preloading.** django-q2 forks one process per worker, and each imported the task's modules
(the Anthropic SDK, boto3, pydantic schemas, the generators) on its first job: the same ~MBs
of code objects loaded once per worker. Imported here, in the parent, they are shared
copy-on-write.

**Shutdown.** Upstream's cluster hangs forever when SIGTERM reaches its whole process group
(django-q2 issues #66 and #346), which is how systemd (`KillMode=control-group`) and so
Elastic Beanstalk stop the Procfile `worker`. Why: the sentinel process sleeps in
`stop_event.wait()`, i.e. it is registered as a sleeper of a `multiprocessing.Condition`, and
its SIGTERM handler is SIG_DFL, so the group's SIGTERM kills it there. The main process's
handler then calls `stop_event.set()`, whose `Condition.notify_all()` blocks until every
registered sleeper acknowledges the wake-up, which the dead sentinel never does (a futex wait
with no timeout; measured: 3 hangs in 3 tries). Signal-driven stops therefore never touch the
shared Event here:

- the main process answers SIGTERM/SIGINT by sending SIGTERM to the sentinel (SIG_DFL: it
  dies at once), reaping it and exiting 0 — whether the signal reached the whole group or
  only the main process (`kill <pid>`);
- every process of the cluster asks the kernel to SIGKILL it when its parent dies
  (`prctl(PR_SET_PDEATHSIG)`, through an `os.register_at_fork` hook), so killing any process
  takes its descendants with it: a SIGKILLed main (the platform's last resort after the stop
  timeout) leaves no sentinel, pusher or worker behind to keep consuming the queue.

A job running at that moment is abandoned, not lost: its message was never acknowledged, so
the broker redelivers it after the visibility timeout (`VPR_VISIBILITY_TIMEOUT_SECONDS`) and
the claim takes over the expired lease. Messages the pusher had prefetched are redelivered the
same way.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import importlib
import os
import signal
import sys
from types import FrameType
from typing import Any

from django.conf import settings
from django_q.cluster import Cluster
from django_q.management.commands.qcluster import Command as QClusterCommand

from vpr_jobs.logs import job_logger

PRELOAD = [
    "vpr_jobs.tasks",
    "vpr_jobs.storage",
    "vpr_jobs.integrations.aws",
    "storages.backends.s3",
    "vpr_jobs.generation.rules",
]

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

log = job_logger(__name__, "-")


class Command(QClusterCommand):
    help = (
        "Start the django-q2 cluster (sentinel, pusher, workers, monitor) with the task modules "
        "preloaded. SIGTERM or SIGINT, to the main process or its whole process group, stops "
        "every process of the cluster at once; running jobs are redelivered by the broker."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for module in preload_modules():
            importlib.import_module(module)
        if options.get("cluster_name"):
            os.environ["Q_CLUSTER_NAME"] = options["cluster_name"]
        die_with_parent_after_fork()
        cluster = Cluster()  # installs upstream's handlers; ours replace them below
        stopping: list[int] = []

        def end_sentinel() -> None:
            sentinel = cluster.sentinel
            if sentinel is not None and sentinel.pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(sentinel.pid, signal.SIGTERM)

        def stop(signum: int, frame: FrameType | None) -> None:
            stopping.append(signum)
            end_sentinel()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            cluster.start()
        except RuntimeError:  # the sentinel died while starting: by our hand, or not
            if not stopping:
                raise
        if stopping:  # the signal came before the sentinel had a pid
            end_sentinel()
        if options.get("run_once"):
            cluster.stop()
            return
        while cluster.sentinel.is_alive():
            cluster.sentinel.join(timeout=1)
        if stopping:
            log.info("cluster stopped by %s", signal.Signals(stopping[0]).name)
        elif cluster.sentinel.exitcode:
            log.critical("cluster sentinel died (exit code %s)", cluster.sentinel.exitcode)
            sys.exit(1)


def preload_modules() -> list[str]:
    if settings.VPR_GENERATOR == "claude":
        return [*PRELOAD, "vpr_jobs.generation.claude"]
    return PRELOAD


_libc: Any = None
_fork_parent_pid = 0
_registered = False


def die_with_parent_after_fork() -> None:
    """Every process forked from now on (and its own forks) is SIGKILLed when its parent dies.

    Linux only (prctl); elsewhere a no-op, and the platform's process-group kill remains the
    only safety net. Registered once per process.
    """
    global _libc, _registered
    if _registered or not sys.platform.startswith("linux"):
        return
    _libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    os.register_at_fork(before=_remember_parent, after_in_child=_set_parent_death_signal)
    _registered = True


def _remember_parent() -> None:
    global _fork_parent_pid
    _fork_parent_pid = os.getpid()


def _set_parent_death_signal() -> None:
    if _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return
    # The parent may have died between fork() and prctl(): then nobody will send the signal.
    if os.getppid() != _fork_parent_pid:
        os._exit(1)
