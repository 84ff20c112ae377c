"""Run a command that ends when the process that started it ends: ``python -m devstack.child CMD ARGS...``.

``newsroom serve`` starts ``chalice local`` (and with it chalice's reloader
worker) in a process group of its own, so that it can stop them in order on
Ctrl-C. A serve killed outright (``kill -9``, a closed terminal) would
otherwise leave chalice local holding the port, and the next ``make run``
would fail on it. This process sits between the two: on Linux it asks the
kernel for SIGTERM when its parent dies, and on SIGTERM (or SIGINT) it passes
the signal to its whole process group, the command and its children with it.
Elsewhere it only relays the signals.

``stop_group`` is how every starter of such a process group (serve, the tests, the benchmarks) stops it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
from types import FrameType
from typing import Any

PR_SET_PDEATHSIG = 1


def stop_group(proc: subprocess.Popen[Any], first: int = signal.SIGINT, seconds: float = 30) -> None:
    """Stop a process started with ``start_new_session`` and everything it started: ``first`` (Ctrl-C's
    SIGINT, or SIGTERM) to its process group, then SIGKILL if it has not ended within ``seconds``."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, first)
        proc.wait(timeout=seconds)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=seconds)


def _end_group(signum: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.killpg(0, signal.SIGTERM)  # the command, its children, and this process


def main(argv: list[str]) -> int:
    if not argv:
        raise SystemExit("usage: python -m devstack.child CMD [ARGS...]")
    if sys.platform.startswith("linux"):
        parent = os.getppid()
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
        if os.getppid() != parent:  # the parent died before the request took effect
            return 0
    signal.signal(signal.SIGTERM, _end_group)
    signal.signal(signal.SIGINT, _end_group)
    return subprocess.Popen(argv).wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
