"""A command run the way an interactive shell runs it: the foreground job of a terminal.

`Terminal.start(command)` opens a pseudo-terminal and starts this file as its session leader,
the part a login shell plays: it takes the pty as its controlling terminal, starts `command`
in a process group of its own and hands it the terminal's foreground, then waits for it and
stays alive. So `press_ctrl_c()` — the ^C byte a keyboard sends — makes the terminal deliver
SIGINT to the job's whole process group, as in a real terminal; and the job's end does not
hang up the terminal (a session leader's exit would SIGHUP whatever the job left behind,
hiding it from the test).

Stdlib only: the session leader runs as `python tests/support/terminal.py <report fd> <command>`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import subprocess
import sys
import termios
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

CTRL_C = b"\x03"


class Terminal:
    """One pty, one job; `output` is everything the job (and its children) printed to it."""

    def __init__(self, process: subprocess.Popen, master: int, report: int) -> None:
        self.leader = process
        self.master = master
        self._report = os.fdopen(report, "rb", buffering=0)
        self._chunks: list[bytes] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        started = self._report.readline()
        if not started:
            raise RuntimeError(f"the session leader did not start the job: {self.output}")
        self.job_pid = int(started)
        self.job_status: int | None = None

    @classmethod
    def start(cls, command: Sequence[str], *, cwd: Path, env: Mapping[str, str]) -> Terminal:
        master, slave = os.openpty()
        attrs = termios.tcgetattr(slave)
        attrs[3] |= termios.ISIG  # lflag: the INTR character raises SIGINT
        attrs[6][termios.VINTR] = CTRL_C
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        report_read, report_write = os.pipe()
        leader = subprocess.Popen(
            [sys.executable, __file__, str(report_write), *command],
            cwd=cwd,
            env=dict(env),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
            pass_fds=(report_write,),
        )
        os.close(slave)
        os.close(report_write)
        return cls(leader, master, report_read)

    def _read(self) -> None:
        while True:
            with contextlib.suppress(InterruptedError):
                select.select([self.master], [], [])
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: nobody holds the terminal's slave side any more
                return
            if not chunk:
                return
            self._chunks.append(chunk)

    @property
    def output(self) -> str:
        return b"".join(self._chunks).decode(errors="replace")

    def press_ctrl_c(self) -> None:
        os.write(self.master, CTRL_C)

    def job_running(self) -> bool:
        return self.job_status is None and not select.select([self._report], [], [], 0)[0]

    def wait_job(self, timeout: float) -> int:
        """The job's wait status (os.waitstatus_to_exitcode reads it); TimeoutError if it runs
        on."""
        if self.job_status is None:
            if not select.select([self._report], [], [], timeout)[0]:
                raise TimeoutError(f"the job still runs after {timeout} s:\n{self.output}")
            self.job_status = int(self._report.readline())
        return self.job_status

    def close(self) -> str:
        """Hang up: SIGKILL the session leader and anything of the session still running;
        the whole output."""
        # Imported here: this file also runs as a plain script (the session leader).
        from tests.support.processes import session_members

        for pid in session_members(self.leader.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.leader.wait(timeout=5)
        self._reader.join(timeout=5)
        if not self._report.closed:
            self._report.close()
            os.close(self.master)
        return self.output


def _session_leader(report: int, command: list[str]) -> None:
    """What an interactive shell does for one foreground job, then waits to be hung up."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)  # we are a new session's leader (setsid)
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # tcsetpgrp from the background
    pid = os.fork()
    if pid == 0:
        os.setpgid(0, 0)
        os.tcsetpgrp(0, os.getpid())
        signal.signal(signal.SIGTTOU, signal.SIG_DFL)
        os.close(report)
        os.execvp(command[0], command)
    with contextlib.suppress(PermissionError):  # the child may have got there first
        os.setpgid(pid, pid)
    os.write(report, f"{pid}\n".encode())
    _, status = os.waitpid(pid, 0)
    os.tcsetpgrp(0, os.getpgrp())  # take the terminal back, as a shell shows its prompt
    os.write(report, f"{status}\n".encode())
    while True:
        signal.pause()


if __name__ == "__main__":
    _session_leader(int(sys.argv[1]), sys.argv[2:])
