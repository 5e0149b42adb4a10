"""Failures of the services around the portal (issue 9): each runs the real settings in a
subprocess with the service missing, the way a municipality's server would meet it.

- broker (Redis) down: pages work, /healthz says "down", a report request is refused at once
  with a Swedish reason (no 20-second wait, no "beställd" that never comes);
- database down: /healthz answers 503 and users get the portal's own page, not a stack trace.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from rapporter.services import QUEUE_DOWN

ROOT = Path(__file__).resolve().parents[2]
DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1
PROD = {
    "DEBUG": "false",
    "SECRET_KEY": "x7Kq2mZp9Lw4Rt8Yv1Bn6Hc3Jd5Fg0Sa-Ue7Io2Pk9Ml4Nb8Vc1Xz6Qw3Er5Ty0",
    "SECURE_SSL_REDIRECT": "false",
    "ALLOWED_HOSTS": "testserver",
}


def probe(mode: str, env: dict[str, str]) -> dict:
    # Nothing of the caller's configuration leaks in (CI exports DEBUG and a database).
    dropped = {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
    keep = {k: v for k, v in os.environ.items() if k not in dropped}
    result = subprocess.run(
        [sys.executable, "-m", "tests.modig.failure_probe", mode],
        cwd=ROOT,
        env={**keep, "DJANGO_SETTINGS_MODULE": "modig.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("PROBE ")]
    assert result.returncode == 0 and lines, result.stdout[-2000:] + result.stderr[-4000:]
    return json.loads(lines[-1].removeprefix("PROBE "))


def test_broker_down_pages_work_and_a_report_request_is_refused_in_swedish(tmp_path):
    seen = probe(
        "broker-down",
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "CELERY_BROKER_URL": DEAD_REDIS,
            "MEDIA_ROOT": str(tmp_path / "media"),
        },
    )
    assert (seen["home"], seen["report_list"], seen["healthz"]) == (200, 200, 200)
    assert seen["healthz_body"] == {"database": "ok", "broker": "down"}
    assert seen["post"] == 302
    assert seen["post_seconds"] < 5
    assert seen["reports"] == [["fel", str(QUEUE_DOWN)]]
    assert seen["messages"] == [["error", str(QUEUE_DOWN)]]
    assert seen["retry_messages"] == [["error", str(QUEUE_DOWN)]]  # "Försök igen" tells the truth too


def test_database_down_healthz_503_and_users_get_the_friendly_page(tmp_path):
    seen = probe(
        "database-down",
        {**PROD, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/modig_gone", "MEDIA_ROOT": str(tmp_path)},
    )
    assert seen["healthz"] == 503
    assert seen["healthz_body"]["database"] == "down"
    assert seen["login"] == 500
    assert "Något gick fel" in seen["login_html"]
    assert "Traceback" not in seen["login_html"]
