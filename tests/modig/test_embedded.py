"""The embedded mode (`make run`, no environment at all) is what a municipality tries first: it
shows users the portal's own Swedish 404 and 500 pages, never Django's English debug pages, still
serves the static files, and signs sessions with a random key of its own (issue 11 item 7)."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

from tests.modig.test_failures import probe

ROOT = Path(__file__).resolve().parents[2]


def embedded(tmp_path) -> dict:
    # Only the SQLite file is moved out of the project; everything else is the embedded default.
    return probe("embedded", {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})


def test_embedded_mode_shows_the_swedish_404_and_500_pages_and_serves_static_files(tmp_path):
    seen = embedded(tmp_path)
    assert seen["debug"] is False
    assert seen["missing"] == 404
    assert "Sidan finns inte" in seen["missing_html"]
    assert "URLconf" not in seen["missing_html"] and "Page not found" not in seen["missing_html"]
    assert seen["error"] == 500
    assert "Något gick fel" in seen["error_html"]
    assert "Traceback" not in seen["error_html"] and "RuntimeError" not in seen["error_html"]
    assert (seen["static"], seen["static_type"].split(";")[0]) == (200, "text/css")


def test_embedded_mode_keeps_a_random_secret_key_of_its_own_in_a_private_file(tmp_path):
    seen = embedded(tmp_path)
    key_file = ROOT / ".secret_key"
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) >= 50 and not key.startswith("django-insecure")
    assert seen["secret_sha"] == hashlib.sha256(key.encode()).hexdigest()
    assert embedded(tmp_path)["secret_sha"] == seen["secret_sha"]  # the same after a restart
