"""Benchmark: a real Celery worker's memory after 50 reports vs after 1 (issue 14 item 5).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/modig_bench \
        .venv/bin/python bench/worker_rss.py [--redis redis://127.0.0.1:6379/9] [--reports 50]
        [--municipality 1419] [--json FILE]

Needs a seeded database (`seed_demo`) and Redis. Starts `celery -A modig worker --pool=prefork
--concurrency=1` on a queue of its own (DEBUG off, as in production; the child is not recycled
during the run: CELERY_WORKER_MAX_TASKS_PER_CHILD is set above --reports, the 800 MB memory cap
stays), then orders --reports ESF PDF reports (distinct params, so none is de-duplicated), one at
a time through `report_request` and the broker, and reads the worker child's RSS from /proc after
each. Prints RSS after report 1, 10 and the last, and their ratio; a leak shows as a ratio above 1
that grows with --reports. The reports and their files are deleted afterwards.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "modig.settings")

from common import add_json_argument, write_json  # noqa: E402


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--reports", type=int, default=50)
    parser.add_argument("--programme", default="MODIG")
    parser.add_argument("--municipality", default="1419", help="kommunkod; '' for the whole programme")
    parser.add_argument("--timeout", type=float, default=300, help="seconds one report may take")
    add_json_argument(parser)
    args = parser.parse_args()
    queue = f"modig-bench-rss-{os.getpid()}"
    os.environ["CELERY_BROKER_URL"] = args.redis
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(60))
    os.environ.setdefault("DEBUG", "false")
    media = tempfile.mkdtemp(prefix="modig-bench-media-")
    os.environ["MEDIA_ROOT"] = media

    import django

    django.setup()
    from modig.celery import app as celery_app
    from ombud.models import Municipality, Programme
    from rapporter.models import Report
    from rapporter.services import report_request

    celery_app.conf.task_default_queue = queue
    programme = Programme.objects.get(code=args.programme)
    municipality = Municipality.objects.get(code=args.municipality) if args.municipality else None
    env = {
        **os.environ,
        "CELERY_WORKER_MAX_TASKS_PER_CHILD": str(args.reports + 10),
    }
    log = open(Path(media) / "worker.log", "w+")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "modig", "worker", "--pool=prefork", "--concurrency=1",
         "--loglevel=WARNING", "-Q", queue, "-n", f"{queue}@%h", "--without-heartbeat",
         "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    rss: list[float] = []
    walls: list[float] = []
    pids: set[int] = set()
    made: list[int] = []
    try:
        for i in range(args.reports):
            started = time.perf_counter()
            report = report_request(
                kind=Report.Kind.ESF_SUMMARY,
                format=Report.Format.PDF,
                programme=programme,
                period_from=programme.start_date,
                period_to=programme.end_date,
                municipality=municipality,
                params={"bench": i},
                by=None,
            )
            made.append(report.id)
            deadline = (
                time.monotonic() + args.timeout + (60 if i == 0 else 0)
            )  # the first waits for the worker
            while True:
                report.refresh_from_db()
                if report.status in (Report.Status.DONE, Report.Status.FAILED):
                    break
                if worker.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise SystemExit(
                        f"report {i + 1} did not finish ({report.status}):\n{log.read()[-3000:]}"
                    )
                time.sleep(0.1)
            if report.status != Report.Status.DONE:
                raise SystemExit(f"report {i + 1} failed: {report.error}")
            walls.append(time.perf_counter() - started)
            child = children(worker.pid)
            pids.update(child)
            rss.append(round(rss_mib(child[0]), 1) if child else float("nan"))
            if i in (0, 9) or i == args.reports - 1:
                print(f"  report {i + 1}: {walls[-1]:.2f} s, worker child RSS {rss[-1]:.1f} MiB", flush=True)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()
        for report in Report.objects.filter(id__in=made):
            if report.file:
                report.file.delete(save=False)
            report.delete()
    print(f"worker RSS after {len(rss)} reports / after 1: {rss[-1] / rss[0]:.2f} ({rss[0]} → {rss[-1]} MiB)")
    write_json(
        args.json,
        "worker_rss",
        {
            "reports": len(rss),
            "municipality": args.municipality or None,
            "child_processes": len(pids),
            "report_seconds_median": round(sorted(walls)[len(walls) // 2], 3),
            "rss_mib": rss,
        },
    )


if __name__ == "__main__":
    main()
