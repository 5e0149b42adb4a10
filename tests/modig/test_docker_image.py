"""The Docker image's build steps, run here where Docker itself is absent (issue 9 item 5): the
Dockerfile's own collectstatic command, with its own build environment, into a temporary
STATIC_ROOT; then a page rendered with the production settings the container runs with must
answer 200 and its hashed CSS must be served."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from tests.modig.test_failures import PROD, probe

ROOT = Path(__file__).resolve().parents[2]


def dockerfile_command(word: str) -> tuple[dict[str, str], list[str]]:
    """The environment assignments and the command of the Dockerfile's step that runs `word`."""
    text = (ROOT / "Dockerfile").read_text()
    text = re.sub(r"\\\n", " ", text)  # join continued lines
    for line in text.splitlines():
        if not line.startswith("RUN ") or word not in line:
            continue
        for step in line.removeprefix("RUN ").split("&&"):
            if word in step:
                tokens = shlex.split(step)
                env = {}
                while tokens and re.fullmatch(r"[A-Z_]+=.*", tokens[0]):
                    name, value = tokens.pop(0).split("=", 1)
                    env[name] = value
                return env, tokens
    raise AssertionError(f"no RUN step with {word} in the Dockerfile")


def test_the_image_collects_static_files_with_production_settings():
    env, command = dockerfile_command("collectstatic")
    assert env.get("DEBUG", "").lower() == "false", env
    assert command[:3] == ["python", "manage.py", "collectstatic"]


def test_a_page_renders_with_the_static_files_the_image_collected(tmp_path):
    build_env, command = dockerfile_command("collectstatic")
    static_root = tmp_path / "staticfiles"
    dropped = {"DATABASE_URL", "CELERY_BROKER_URL", "DEBUG", "SECRET_KEY"}
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    result = subprocess.run(
        [sys.executable, *command[1:]],
        cwd=ROOT,
        env={**base, **build_env, "STATIC_ROOT": str(static_root)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (static_root / "staticfiles.json").exists()  # the manifest the run-time storage reads
    seen = probe(
        "page",
        {
            **PROD,
            "SECURE_SSL_REDIRECT": "true",
            "DATABASE_URL": "postgres://modig@127.0.0.1:1/modig",
            "STATIC_ROOT": str(static_root),
            "MEDIA_ROOT": str(tmp_path / "media"),
        },
    )
    assert seen["login"] == 200, seen
    assert re.search(r"\.[0-9a-f]{12}\.css$", seen["css_url"]), seen["css_url"]  # hashed name
    assert seen["css"] == 200
