"""Benchmark: monthly certificates (närvarorapporter), one document vs chunks (issue 14 item 3).

    DATABASE_URL=sqlite:////path/bench10.sqlite3 .venv/bin/python bench/certificates.py \
        [--programme MODIG] [--month YYYY-MM --municipality KOD] [--max-people N] [--chunks 0,250]
        [--json FILE]

Needs a seeded database (`seed_demo --scale 10`). Without --month/--municipality it takes the
busiest municipality month (most participants), or with --max-people the busiest one with at most
that many (a bounded run; seconds and MiB per page are what compare across sizes). For each --chunks value (0 = one document,
otherwise REPORT_CHUNK_PAGES) it runs `manage.py attendance_certificates` in a new process,
eager Celery (the chunks then render one after the other in that process, as one worker would),
and prints wall seconds, peak RSS of the process, pages, and seconds and MiB per page. The outputs
of the runs must have the same pages (text compared page by page).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "modig.settings")
os.environ.pop("CELERY_BROKER_URL", None)  # eager: the rendering itself is measured

import django  # noqa: E402

django.setup()

from django.db.models import Count  # noqa: E402
from django.db.models.functions import TruncMonth  # noqa: E402

from ombud.models import Programme  # noqa: E402
from rapporter.queries import attended_rows  # noqa: E402


def busiest(programme: Programme, max_people: int | None = None) -> tuple[str, str, int]:
    rows = (
        attended_rows(programme)
        .annotate(month=TruncMonth("session__date"))
        .values("month", "person__municipality__code")
        .annotate(people=Count("person_id", distinct=True))
        .order_by("-people")
    )
    row = rows.first()
    if max_people:  # the busiest month with at most max_people, else the quietest
        row = rows.filter(people__lte=max_people).first() or rows.order_by("people").first()
    return row["month"].strftime("%Y-%m"), row["person__municipality__code"], row["people"]


def run(programme: str, month: str, municipality: str, chunk_pages: int, out: Path) -> dict:
    env = {
        **os.environ,
        "REPORT_CHUNK_PAGES": str(chunk_pages or 10**9),
        "MEDIA_ROOT": tempfile.mkdtemp(prefix="modig-bench-media-"),
    }
    cmd = [
        sys.executable,
        str(ROOT / "manage.py"),
        "attendance_certificates",
        "--programme",
        programme,
        "--month",
        month,
        "--municipality",
        municipality,
        "--output",
        str(out),
    ]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - start
    if status != 0:
        raise SystemExit(f"run with chunks={chunk_pages} failed: {proc.stderr.read().decode()[-2000:]}")
    from pypdf import PdfReader

    pages = len(PdfReader(str(out)).pages)
    peak = usage.ru_maxrss / 1024  # KiB on Linux
    return {
        "chunk_pages": chunk_pages,
        "pages": pages,
        "seconds": round(seconds, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mib": round(peak),
        "seconds_per_page": round(seconds / pages, 4),
        "mib_per_page": round(peak / pages, 3),
        "file_mib": round(out.stat().st_size / 2**20, 1),
    }


def page_texts(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [p.extract_text() for p in PdfReader(str(path)).pages]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--programme", default="MODIG")
    parser.add_argument("--month")
    parser.add_argument("--municipality")
    parser.add_argument("--chunks", default="0,250", help="REPORT_CHUNK_PAGES per run; 0 = one document")
    parser.add_argument(
        "--max-people", type=int, help="the busiest month with at most this many participants"
    )
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--keep", help="folder to keep the PDFs in")
    args = parser.parse_args()
    programme = Programme.objects.get(code=args.programme)
    busiest_month = busiest(programme)
    if args.month and args.municipality:
        month, municipality, people = args.month, args.municipality, None
    else:
        month, municipality, people = busiest(programme, args.max_people)
    print(
        f"{programme.code} {month} kommun {municipality}: {people or '?'} deltagare; load {os.getloadavg()[0]:.2f}"
    )
    folder = Path(args.keep or tempfile.mkdtemp(prefix="modig-bench-certs-"))
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    for size in (int(s) for s in args.chunks.split(",")):
        out = folder / f"certificates-{size or 'whole'}.pdf"
        result = run(programme.code, month, municipality, size, out)
        results.append({**result, "file": str(out)})
        print(json.dumps(result))
    texts = [page_texts(Path(r["file"])) for r in results]
    same = all(t == texts[0] for t in texts[1:])
    print("same pages in the same order:", same)
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "bench": "certificates",
                    "load_average": round(os.getloadavg()[0], 2),
                    "month": month,
                    "municipality": municipality,
                    "busiest": dict(zip(("month", "municipality", "people"), busiest_month, strict=True)),
                    "runs": results,
                    "same_pages": same,
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
