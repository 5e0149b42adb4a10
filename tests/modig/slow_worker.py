"""A Celery app for the failure tests' real worker: the portal's own app, with report rendering
held back while a marker file exists (so the test can kill the pool process mid-report).

Started as `celery -A tests.modig.slow_worker worker …` by tests/modig/test_worker_failures.py;
never used by the portal itself.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import django

from modig.celery import app

django.setup()

from rapporter import services  # noqa: E402 - needs the apps loaded

_original_build = services._build
_marker = Path(os.environ["MODIG_TEST_HOLD_MARKER"])


def _held_build(report, *, progress):
    progress(10)
    deadline = time.monotonic() + 120
    while _marker.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    return _original_build(report, progress=progress)


services._build = _held_build

__all__ = ["app"]
