"""A test-only fault: with PANCAKE_MOCK_KILL_AT=<point> the process SIGKILLs itself the first time
it reaches that point, so a test can crash the mock at an exact step instead of by chance."""

from __future__ import annotations

import os
import signal

_POINT = os.environ.get("PANCAKE_MOCK_KILL_AT")


def reached(point: str) -> None:
    if point == _POINT:
        os.kill(os.getpid(), signal.SIGKILL)
