"""Helpers for tests that need the real PostgreSQL and Redis (CI runs them; locally they skip
when the services are absent, in CI a missing service fails the run)."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.db import connection

IN_CI = os.environ.get("CI", "").lower() == "true"


def require_real_services() -> None:
    problems = []
    if connection.vendor != "postgresql":
        problems.append("DATABASE_URL pekar inte på PostgreSQL")
    if not settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        problems.append("CELERY_BROKER_URL pekar inte på Redis")
    else:
        import redis

        try:
            redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2).ping()
        except Exception as exc:  # noqa: BLE001
            problems.append(f"Redis svarar inte ({exc})")
    if problems:
        message = "; ".join(problems)
        if IN_CI:
            pytest.fail(f"CI kräver riktiga tjänster: {message}")
        pytest.skip(message)


def database_url_for_subprocess() -> str:
    s = connection.settings_dict
    auth = s["USER"] or ""
    if s.get("PASSWORD"):
        auth += f":{s['PASSWORD']}"
    host = s["HOST"] or "127.0.0.1"
    port = s["PORT"] or 5432
    return f"postgres://{auth}@{host}:{port}/{s['NAME']}"
