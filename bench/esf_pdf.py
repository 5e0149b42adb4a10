"""Benchmark: how long the full ESF PDF takes, and whether a worker's memory grows per report.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/modig_bench \
        .venv/bin/python bench/esf_pdf.py [--scale 1] [--renders 5] [--programme MODIG]

Seeds `seed_demo --scale N` when the database has no such programme. Then:

1. cold: `manage.py esf_report --format pdf` in a new process (Python start, Django, queries,
   WeasyPrint import and first render, file copy), eager Celery — what a user of the command sees;
2. warm: `report_request` + the `report_generate` task in this process, --renders times, as a
   long-running worker does; wall and CPU time per report and the process's RSS after each;
3. bare: `render.esf_pdf` alone on the same summary and charts, computed once beforehand
   (WeasyPrint only), --renders times: the task's median over this median is the share of the
   task that is queries, charts, storage and bookkeeping rather than rendering.

Wall time depends on what else the machine runs (the load average is printed); CPU time does not.
Design budget: the PDF ready in under 10 s; RSS does not grow from one report to the next.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "modig.settings")
os.environ.pop("CELERY_BROKER_URL", None)  # eager: this benchmark measures the rendering itself
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="modig-bench-media-"))
# Eager in this thread: not also in the background thread the embedded web mode uses, which would
# race the task run below for the claim and render beside it.
os.environ["REPORT_EAGER_IN_BACKGROUND"] = "false"

import django  # noqa: E402

django.setup()

from common import add_json_argument, write_json  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from ombud.models import Programme  # noqa: E402
from rapporter.models import Report  # noqa: E402
from rapporter.services import report_request  # noqa: E402
from rapporter.tasks import report_generate  # noqa: E402


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1)
    parser.add_argument("--renders", type=int, default=5)
    parser.add_argument("--programme", default="MODIG")
    add_json_argument(parser)
    args = parser.parse_args()
    if not Programme.objects.filter(code=args.programme).exists():
        print(f"Tom databas: seed_demo --scale {args.scale} …", flush=True)
        call_command("seed_demo", scale=args.scale)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    programme = Programme.objects.get(code=args.programme)
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "esf.pdf"
        start = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(
            [sys.executable, "manage.py", "esf_report", "--programme", args.programme, "--format", "pdf",
             "--output", str(out)],
            cwd=ROOT, check=True, capture_output=True, env={**os.environ},
        )  # fmt: skip
        cold = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        print(
            f"cold  esf_report --format pdf (new process): {cold:6.2f} s wall, {cpu:5.2f} s CPU, "
            f"{out.stat().st_size:,} bytes"
        )

    print(f"warm  {args.renders} reports in one process (as a worker):")
    sizes = []
    walls = []
    for i in range(args.renders):
        wall, cpu = time.perf_counter(), time.process_time()
        report = report_request(
            kind=Report.Kind.ESF_SUMMARY,
            format=Report.Format.PDF,
            programme=programme,
            period_from=programme.start_date,
            period_to=programme.end_date,
            params={"bench": i},  # distinct, so no de-duplication
            by=None,
        )
        report_generate.apply(args=(report.id,))  # no-op when on_commit already ran it (eager)
        report.refresh_from_db()
        assert report.status == Report.Status.DONE, report.error
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        sizes.append(rss_mib())
        walls.append(wall)
        print(
            f"  #{i + 1}: {wall:6.2f} s wall, {cpu:5.2f} s CPU, RSS {sizes[-1]:7.1f} MiB, load {os.getloadavg()[0]:.1f}"
        )
        report.file.delete(save=False)
        report.delete()
    print(f"RSS growth from report 2 to {args.renders}: {sizes[-1] - sizes[1]:+.1f} MiB")

    from rapporter import queries, render, services

    report = Report(
        kind=Report.Kind.ESF_SUMMARY,
        format=Report.Format.PDF,
        programme=programme,
        period_from=programme.start_date,
        period_to=programme.end_date,
    )
    summary = queries.esf_summary(programme=programme)
    charts = services.esf_charts(
        programme, summary, (programme, programme.start_date, programme.end_date, None)
    )
    meta = {**services._programme_meta(report), "title": "ESF-sammanställning"}
    bare = []
    for _ in range(args.renders):
        wall = time.perf_counter()
        render.esf_pdf(summary, meta=meta, charts=charts)
        bare.append(time.perf_counter() - wall)
    task, bare_s = statistics.median(walls), statistics.median(bare)
    print(f"bare render.esf_pdf: {bare_s:6.2f} s (median); task / bare render: {task / bare_s:.2f}")
    write_json(
        args.json,
        "esf_pdf",
        {
            "renders": args.renders,
            "cold_command_seconds": round(cold, 2),
            "task_seconds": round(task, 3),
            "bare_render_seconds": round(bare_s, 3),
            "rss_mib": [round(x, 1) for x in sizes],
        },
    )


if __name__ == "__main__":
    main()
