"""What every benchmark in bench/ shares: the `--json FILE` output the runner (`bench/run.py`)
reads, and the child-process measurement (wall time and that process's own peak RSS)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def add_json_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", metavar="FILE", help="write the figures as JSON here (for bench/run.py)")


def write_json(path: str | None, name: str, figures: dict[str, Any]) -> None:
    """One object per benchmark: {"bench": name, "load_average": …, **figures}."""
    if not path:
        return
    data = {"bench": name, "load_average": round(os.getloadavg()[0], 2), **figures}
    Path(path).write_text(json.dumps(data, indent=1, ensure_ascii=False, default=str) + "\n")


# The child reports its own peak RSS from /proc (VmHWM). Not getrusage's ru_maxrss: on Linux
# that survives fork + exec and would report the benchmark's own (larger) footprint.
_CHILD = """
import runpy, sys
sys.argv = sys.argv[1:]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
finally:
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    print("MAXRSS_KIB", peak, file=sys.stderr)
"""


def run_command(*args: str, env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """(seconds, peak RSS of that process in MiB, last line) of `manage.py <args>`."""
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(ROOT / "manage.py"), *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=ROOT,
    )
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-2000:])
        raise SystemExit(f"{args[0]} failed with exit status {proc.returncode}")
    peak = next(int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("MAXRSS_KIB"))
    lines = proc.stdout.strip().splitlines()
    return seconds, peak / 1024, lines[-1] if lines else ""
