"""`make bench`: every benchmark in bench/ in one run, on PostgreSQL, with the issue's budgets.

    .venv/bin/python bench/run.py [--scale 10] [--database postgres://postgres@127.0.0.1:5432/modig_bench]
        [--redis redis://127.0.0.1:6379/9] [--quick] [--only pages,esf_summary] [--output FILE]

1. The bench database (DATABASE_URL, default `modig_bench` on 127.0.0.1) is created when missing,
   migrated, and seeded with `seed_demo --scale SCALE` unless it already holds that scale: the
   scale seeded is recorded in its table `bench_seed` (another scale: the database is dropped and
   made anew). The import benchmarks empty their tables, so they use a second database of their
   own, `<name>_imports`, which they fill themselves with about SCALE × 3,500 people and
   SCALE × 16,400 attendance rows (the sizes of `seed_demo` at that scale).
2. Each benchmark runs as its own process with `--json FILE` (so each keeps working standalone):
   `pages.py` (gunicorn 2 × 4, DEBUG off, Redis cache: each page alone and under 10 clients vs
   `/healthz`, cold vs warm dashboard and start page), `deep_pages.py` (first vs last page of the
   staff list), `esf_summary.py` (ORM vs hand-written SQL), `import_people.py` and
   `import_attendance.py` (vs COPY, re-import vs first), `esf_pdf.py` (report task vs bare
   WeasyPrint render), `certificates.py` (seconds and MiB per page, one document vs chunks),
   `worker_rss.py` (a real Celery worker's RSS after 50 reports vs after 1). `roundtrip.py` is a
   correctness check on SQLite and is not part of the run.
3. Writes `bench/results/latest.json` (every figure, the ratios with their budgets marked met /
   not met, machine, git commit, scale, timestamps) and prints the table of ratios. A benchmark
   that fails is recorded with its error and its rows are "not measured"; the run goes on.

Everything measured in one run on the same machine: compare the ratios, not the milliseconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/modig_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/9"

# The issue's budgets (issue 14, "Done when"), and the design budgets of the benches' docstrings.
PAGE_ALONE_MS = 300
COLD_DASHBOARD_MS = 1000
DEEP_OVER_FIRST = 2.0
ORM_OVER_SQL = 1.5
IMPORT_OVER_COPY = 2.0
REIMPORT_OVER_IMPORT = 1.0
PDF_TASK_SECONDS = 10
TASK_SOFT_LIMIT_S = 300  # CELERY_TASK_SOFT_TIME_LIMIT
WORKER_CAP_MIB = 800_000 / 1024  # CELERY_WORKER_MAX_MEMORY_PER_CHILD (KiB)
WORKER_RSS_GROWTH = 1.25  # "flat": after 50 reports at most this × after 1

BENCHES = [
    "pages",
    "deep_pages",
    "esf_summary",
    "import_people",
    "import_attendance",
    "esf_pdf",
    "certificates",
    "worker_rss",
]


# --- the table: pure functions of the benches' JSON (tests/test_bench_runner.py) --------------


def row(
    group: str,
    figure: str,
    value: float | None,
    unit: str,
    ratio: float | None = None,
    ratio_of: str = "",
    budget: str = "",
    met: bool | None = None,
) -> dict[str, Any]:
    """One line of the table. `met` is None when there is no budget or nothing was measured."""
    return {
        "group": group,
        "figure": figure,
        "value": None if value is None else round(value, 3),
        "unit": unit,
        "ratio": None if ratio is None else round(ratio, 2),
        "ratio_of": ratio_of,
        "budget": budget,
        "met": met,
    }


def _div(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def _missing(group: str, figure: str, budget: str = "") -> dict[str, Any]:
    return {**row(group, figure, None, "", budget=budget), "not_measured": True}


def page_rows(pages: dict | None) -> list[dict]:
    if not pages:
        return [
            _missing("pages", "every page alone, p50", f"≤ {PAGE_ALONE_MS} ms"),
            _missing("dashboard", "cold dashboard", f"≤ {COLD_DASHBOARD_MS} ms"),
        ]
    rows = []
    alone_base = pages["healthz_alone_p50_ms"]
    loaded_base = pages["healthz_loaded_p95_ms"]
    for page in pages["pages"]:
        if page["url"] == "/healthz":
            continue
        ms = page["alone"]["p50_ms"]
        rows.append(
            row(
                "pages alone",
                page["url"],
                ms,
                "ms p50",
                _div(ms, alone_base),
                "/healthz alone",
                f"≤ {PAGE_ALONE_MS} ms",
                ms <= PAGE_ALONE_MS,
            )
        )
    for page in pages["pages"]:
        if page["url"] == "/healthz":
            continue
        p95 = page["loaded"]["p95_ms"]
        rows.append(
            row(
                f"pages, {pages['clients']} clients",
                page["url"],
                p95,
                "ms p95",
                _div(p95, loaded_base),
                "/healthz p95",
            )
        )
    for url, figure in (pages.get("cold_warm") or {}).items():
        cold = figure["cold_ms"]
        rows.append(
            row(
                "cold cache",
                url,
                cold,
                "ms",
                _div(cold, figure["warm_ms"]),
                "warm",
                f"≤ {COLD_DASHBOARD_MS} ms",
                cold <= COLD_DASHBOARD_MS,
            )
        )
    if not pages.get("cold_warm"):
        rows.append(_missing("cold cache", "/rapporter/ (needs --redis)", f"≤ {COLD_DASHBOARD_MS} ms"))
    return rows


def deep_rows(deep: dict | None) -> list[dict]:
    if not deep:
        return [_missing("deep page", "last page of /personal/", f"≤ {DEEP_OVER_FIRST:g} × first")]
    first, last = deep["pages"][0], deep["pages"][-1]
    ratio = _div(last["median_ms"], first["median_ms"])
    return [
        row(
            "deep page",
            last["url"],
            last["median_ms"],
            "ms",
            ratio,
            first["url"],
            f"≤ {DEEP_OVER_FIRST:g} × first",
            ratio is not None and ratio <= DEEP_OVER_FIRST,
        )
    ]


def esf_rows(esf: dict | None) -> list[dict]:
    if not esf:
        return [_missing("aggregation", "esf_summary (ORM)", f"≤ {ORM_OVER_SQL:g} × SQL")]
    ratio = _div(esf["orm_ms"], esf["sql_ms"])
    return [
        row(
            "aggregation",
            "esf_summary (ORM)",
            esf["orm_ms"],
            "ms",
            ratio,
            "hand-written SQL",
            f"≤ {ORM_OVER_SQL:g} × SQL",
            ratio is not None and ratio <= ORM_OVER_SQL,
        )
    ]


def import_rows(name: str, data: dict | None) -> list[dict]:
    label = name.replace("_", " ")
    if not data:
        return [
            _missing("imports", f"{label}", f"≤ {IMPORT_OVER_COPY:g} × COPY"),
            _missing("imports", f"{label}, same file again", "< first import"),
        ]
    first = _div(data["import_seconds"], data["copy_seconds"])
    again = _div(data["reimport_seconds"], data["import_seconds"])
    return [
        row(
            "imports",
            f"{label} ({data['rows']:,} rows)",
            data["import_seconds"],
            "s",
            first,
            "COPY",
            f"≤ {IMPORT_OVER_COPY:g} × COPY",
            first is not None and first <= IMPORT_OVER_COPY,
        ),
        row(
            "imports",
            f"{label}, same file again",
            data["reimport_seconds"],
            "s",
            again,
            "first import",
            "< first import",
            again is not None and again < REIMPORT_OVER_IMPORT,
        ),
        *(
            [
                row(
                    "imports",
                    f"{label}: rollups rebuilt afterwards by the worker (not in the import's time)",
                    data["rollups_rebuild_seconds"],
                    "s",
                    None,
                    "",
                    "",
                    None,
                )
            ]
            if data.get("rollups_rebuild_seconds") is not None
            else []
        ),
    ]


def pdf_rows(pdf: dict | None) -> list[dict]:
    if not pdf:
        return [_missing("reports", "ESF PDF task", f"≤ {PDF_TASK_SECONDS} s")]
    task = pdf["task_seconds"]
    return [
        row(
            "reports",
            "ESF PDF task (whole programme)",
            task,
            "s",
            _div(task, pdf["bare_render_seconds"]),
            "bare render",
            f"≤ {PDF_TASK_SECONDS} s",
            task <= PDF_TASK_SECONDS,
        )
    ]


def certificate_rows(certs: dict | None) -> list[dict]:
    if not certs or not certs.get("runs"):
        return [_missing("certificates", "chunked: within the task limits, flat memory", "")]
    runs = certs["runs"]
    whole = next((r for r in runs if r["chunk_pages"] == 0), None)
    chunked = [r for r in runs if r["chunk_pages"]]
    rows = []
    if whole:
        rows.append(
            row(
                "certificates",
                f"one document ({whole['pages']} pages): time per page",
                whole["seconds_per_page"],
                "s/page",
            )
        )
        rows.append(
            row(
                "certificates",
                f"one document ({whole['pages']} pages): peak RSS per page",
                whole["mib_per_page"],
                "MiB/page",
            )
        )
    for run in chunked:
        n = run["chunk_pages"]
        rows.append(
            row(
                "certificates",
                f"chunks of {n}: time per page",
                run["seconds_per_page"],
                "s/page",
                _div(run["seconds_per_page"], whole["seconds_per_page"]) if whole else None,
                "one document" if whole else "",
            )
        )
        rows.append(
            row(
                "certificates",
                f"chunks of {n}: peak RSS per page",
                run["mib_per_page"],
                "MiB/page",
                _div(run["mib_per_page"], whole["mib_per_page"]) if whole else None,
                "one document" if whole else "",
            )
        )
        chunk_s = run["seconds_per_page"] * run["chunk_pages"]
        rows.append(
            row(
                "certificates",
                f"chunks of {run['chunk_pages']}: one chunk's time",
                chunk_s,
                "s",
                None,
                "",
                f"≤ {TASK_SOFT_LIMIT_S} s (soft limit)",
                chunk_s <= TASK_SOFT_LIMIT_S,
            )
        )
        flat = run["peak_rss_mib"] <= WORKER_CAP_MIB and (
            whole is None or run["pages"] <= run["chunk_pages"] or run["peak_rss_mib"] < whole["peak_rss_mib"]
        )
        rows.append(
            row(
                "certificates",
                f"chunks of {run['chunk_pages']}: peak RSS",
                run["peak_rss_mib"],
                "MiB",
                _div(run["peak_rss_mib"], whole["peak_rss_mib"]) if whole else None,
                "one document" if whole else "",
                f"≤ {WORKER_CAP_MIB:.0f} MiB and < one document",
                flat,
            )
        )
    busiest = certs.get("busiest")
    if busiest and whole:
        projected = busiest["people"] * whole["seconds_per_page"]
        rows.append(
            row(
                "certificates",
                f"busiest month {busiest['month']} {busiest['municipality']} "
                f"({busiest['people']} pages) as one document, projected",
                projected,
                "s",
            )
        )
    return rows


def worker_rows(worker: dict | None) -> list[dict]:
    if not worker or not worker.get("rss_mib"):
        return [_missing("worker", "RSS after 50 reports", f"≤ {WORKER_RSS_GROWTH:g} × after 1")]
    rss = worker["rss_mib"]
    ratio = _div(rss[-1], rss[0])
    return [
        row(
            "worker",
            f"RSS after {len(rss)} reports",
            rss[-1],
            "MiB",
            ratio,
            "after 1",
            f"≤ {WORKER_RSS_GROWTH:g} × after 1",
            ratio is not None and ratio <= WORKER_RSS_GROWTH,
        )
    ]


def table(results: dict[str, dict | None]) -> list[dict]:
    """All the rows, from each benchmark's JSON (None: it did not run or failed)."""
    return [
        *page_rows(results.get("pages")),
        *deep_rows(results.get("deep_pages")),
        *esf_rows(results.get("esf_summary")),
        *import_rows("import_people", results.get("import_people")),
        *import_rows("import_attendance", results.get("import_attendance")),
        *pdf_rows(results.get("esf_pdf")),
        *certificate_rows(results.get("certificates")),
        *worker_rows(results.get("worker_rss")),
    ]


def verdict(met: bool | None, not_measured: bool = False) -> str:
    if not_measured:
        return "not measured"
    return {True: "met", False: "NOT MET", None: ""}[met]


def number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def format_table(rows: list[dict]) -> str:
    lines = [f"{'figure':<58}{'value':>12} {'unit':<7}{'ratio':>8}  {'vs':<24}{'budget':<30}verdict"]
    for r in rows:
        value = number(r["value"])
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f}"
        figure = f"{r['group']}: {r['figure']}"
        lines.append(
            f"{figure[:58]:<58}{value:>12} {r['unit']:<7}{ratio:>8}  {r['ratio_of'][:24]:<24}"
            f"{r['budget'][:30]:<30}{verdict(r['met'], r.get('not_measured', False))}"
        )
    return "\n".join(lines)


def markdown_table(rows: list[dict]) -> str:
    """The README's table."""
    out = ["| figure | value | ratio | budget | |", "|---|---:|---:|---|---|"]
    for r in rows:
        value = "—" if r["value"] is None else f"{number(r['value'])} {r['unit']}"
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f} × {r['ratio_of']}"
        out.append(
            f"| {r['group']}: `{r['figure']}` | {value} | {ratio} | {r['budget']} "
            f"| {verdict(r['met'], r.get('not_measured', False))} |"
        )
    return "\n".join(out)


def report(
    results: dict[str, dict | None],
    errors: dict[str, str],
    *,
    scale: float,
    database: str,
    started: dt.datetime,
    finished: dt.datetime,
    seconds: dict[str, float],
    machine: dict[str, Any],
    commit: dict[str, Any],
) -> dict[str, Any]:
    """The content of latest.json."""
    rows = table(results)
    budgets = [r for r in rows if r["budget"]]
    return {
        "scale": scale,
        "database": redact(database),
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": finished.isoformat(timespec="seconds"),
        "run_seconds": round((finished - started).total_seconds()),
        "bench_seconds": {name: round(s, 1) for name, s in seconds.items()},
        "git": commit,
        "machine": machine,
        "budgets": {
            "met": sum(r["met"] is True for r in budgets),
            "not_met": sum(r["met"] is False for r in budgets),
            "not_measured": sum(bool(r.get("not_measured")) for r in budgets),
        },
        "table": rows,
        "benches": results,
        "errors": errors,
    }


# --- the run ---------------------------------------------------------------------------------


def redact(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.password:
        netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urllib.parse.urlunsplit(parts._replace(netloc=netloc))
    return url


def _connect(url: str, dbname: str | None = None):
    import psycopg2  # type: ignore[import-untyped]

    parts = urllib.parse.urlsplit(url)
    conn = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname=dbname or parts.path.lstrip("/"),
    )
    conn.autocommit = True
    return conn


def with_name(url: str, name: str) -> str:
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path="/" + name))


def ensure_database(url: str, *, fresh: bool = False) -> None:
    """Create the database when missing (or drop and create it, `fresh`)."""
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    conn = _connect(url, "postgres")
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cur.fetchone() is not None
        if exists and fresh:
            cur.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = False
        if not exists:
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def seeded_scale(url: str) -> float | None:
    conn = _connect(url)
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('bench_seed')")
        if cur.fetchone()[0] is None:
            conn.close()
            return None
        cur.execute("SELECT scale FROM bench_seed ORDER BY seeded_at DESC LIMIT 1")
        found = cur.fetchone()
    conn.close()
    return None if found is None else float(found[0])


def has_tables(url: str) -> bool:
    conn = _connect(url)
    with conn.cursor() as cur:
        cur.execute("SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = 'public')")
        found = bool(cur.fetchone()[0])
    conn.close()
    return found


def record_seed(url: str, scale: float, seconds: float) -> None:
    conn = _connect(url)
    with conn.cursor() as cur:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS bench_seed (scale double precision NOT NULL, "
            "seconds double precision, seeded_at timestamptz NOT NULL DEFAULT now())"
        )
        cur.execute("INSERT INTO bench_seed (scale, seconds) VALUES (%s, %s)", [scale, seconds])
    conn.close()


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def prepare(url: str, scale: float, env: dict[str, str]) -> dict[str, Any]:
    """The bench database at `scale`: reused when `bench_seed` says so, else made anew."""
    ensure_database(url)
    have = seeded_scale(url)
    if have == scale:
        manage(env, "migrate", "--no-input", "-v", "0")
        return {"seeded": False, "scale": scale}
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    if have is None and "bench" not in name and has_tables(url):
        sys.exit(
            f"{name} har tabeller men är ingen bench-databas (ingen bench_seed): make bench tömmer den. "
            "Ange en egen databas, t.ex. BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/modig_bench."
        )
    print(f"seed_demo --scale {scale:g} into {redact(url)} (it held {have or 'nothing'}) …", flush=True)
    ensure_database(url, fresh=True)
    manage(env, "migrate", "--no-input", "-v", "0")
    started = time.perf_counter()
    manage(env, "seed_demo", "--scale", f"{scale:g}")
    seconds = time.perf_counter() - started
    record_seed(url, scale, seconds)
    return {"seeded": True, "scale": scale, "seed_seconds": round(seconds, 1)}


def vacuum(url: str) -> float:
    """VACUUM ANALYZE, as autovacuum would have done in a live database: a freshly bulk-loaded
    table has no visibility map, and the planner then prefers a sort of the whole table over an
    index-only scan (the staff list's deep page: 357 ms instead of 22 ms at scale 10)."""
    started = time.perf_counter()
    conn = _connect(url)
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    conn.close()
    return time.perf_counter() - started


def machine_info(url: str) -> dict[str, Any]:
    info: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    with open("/proc/meminfo") as f:
        info["memory_gib"] = round(int(f.readline().split()[1]) / 2**20, 1)
    with open("/proc/cpuinfo") as f:
        info["cpu"] = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    try:
        conn = _connect(url)
        with conn.cursor() as cur:
            cur.execute("SHOW server_version")
            info["postgresql"] = cur.fetchone()[0]
            cur.execute("SHOW work_mem")
            info["postgresql_work_mem"] = cur.fetchone()[0]
        conn.close()
    except Exception as exc:  # noqa: BLE001 - machine info is informative only
        info["postgresql"] = f"? ({exc})"
    return info


def git_info() -> dict[str, Any]:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    return {
        "commit": git("rev-parse", "HEAD"),
        "branch": git("rev-parse", "--abbrev-ref", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


def commands(args: argparse.Namespace, json_file: Path) -> dict[str, tuple[list[str], str]]:
    """Each benchmark's command line and the database it runs against."""
    q = args.quick
    imports = with_name(args.database, urllib.parse.urlsplit(args.database).path.lstrip("/") + "_imports")
    py = [sys.executable]
    j = ["--json", str(json_file)]
    sizes = args.scale / 10 if q else args.scale
    people = max(1000, round(3500 * sizes))
    attendance = max(2000, round(16400 * sizes))
    return {
        "pages": (
            [
                *py,
                str(BENCH / "pages.py"),
                "--database",
                args.database,
                "--clients",
                str(args.clients),
                "--rounds",
                "2" if q else str(args.rounds),
                "--alone-rounds",
                "2" if q else "10",
                "--cold-rounds",
                "1" if q else "3",
                "--redis",
                args.redis,
                "--port",
                str(args.port),
                *j,
            ],
            args.database,
        ),
        "deep_pages": (
            [*py, str(BENCH / "deep_pages.py"), "--deepest", "--rounds", "2" if q else "7", *j],
            args.database,
        ),
        "esf_summary": ([*py, str(BENCH / "esf_summary.py"), "--runs", "2" if q else "7", *j], args.database),
        "import_people": ([*py, str(BENCH / "import_people.py"), "--rows", str(people), *j], imports),
        "import_attendance": (
            [
                *py,
                str(BENCH / "import_attendance.py"),
                "--rows",
                str(attendance),
                "--people",
                str(people),
                "--redis",
                args.redis,
                *j,
            ],
            imports,
        ),
        "esf_pdf": ([*py, str(BENCH / "esf_pdf.py"), "--renders", "2" if q else "5", *j], args.database),
        "certificates": (
            [
                *py,
                str(BENCH / "certificates.py"),
                "--max-people",
                str(args.certificate_pages),
                "--chunks",
                f"0,{args.chunk_pages}",
                "--json",
                str(json_file),
            ],
            args.database,
        ),
        "worker_rss": (
            [
                *py,
                str(BENCH / "worker_rss.py"),
                "--redis",
                args.redis,
                "--reports",
                "3" if q else str(args.reports),
                *j,
            ],
            args.database,
        ),
    }


def retable(path: Path, *, markdown: bool = False) -> None:
    """The table of a results file made anew from its benches' figures (after a budget changed)."""
    data = json.loads(path.read_text())
    rows = table(data["benches"])
    budgets = [r for r in rows if r["budget"]]
    data["table"] = rows
    data["budgets"] = {
        "met": sum(r["met"] is True for r in budgets),
        "not_met": sum(r["met"] is False for r in budgets),
        "not_measured": sum(bool(r.get("not_measured")) for r in budgets),
    }
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    print(markdown_table(rows) if markdown else format_table(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=float(os.environ.get("SCALE", 10)))
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE)
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8765)))
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=10, help="rounds of every page per client under load")
    parser.add_argument("--reports", type=int, default=50, help="reports the Celery worker renders")
    parser.add_argument(
        "--certificate-pages",
        type=int,
        default=350,
        help="certificates of the busiest municipality month with at most this many pages",
    )
    parser.add_argument("--chunk-pages", type=int, default=100)
    parser.add_argument("--quick", action="store_true", help="few rounds: checks the harness, not the portal")
    parser.add_argument("--only", help="comma-separated benches (default all): " + ", ".join(BENCHES))
    parser.add_argument("--output", default=str(BENCH / "results" / "latest.json"))
    parser.add_argument(
        "--retable",
        metavar="JSON",
        help="measure nothing: recompute the table and budgets of a results file from its figures, print it",
    )
    parser.add_argument("--markdown", action="store_true", help="with --retable: the README's table")
    args = parser.parse_args()
    if args.retable:
        retable(Path(args.retable), markdown=args.markdown)
        return
    if not args.database.startswith(("postgres://", "postgresql://")):
        sys.exit("make bench körs mot PostgreSQL: sätt DATABASE_URL=postgres://…")
    only = args.only.split(",") if args.only else BENCHES
    unknown = set(only) - set(BENCHES)
    if unknown:
        sys.exit(f"okänd benchmark: {', '.join(sorted(unknown))}")

    started = dt.datetime.now(dt.UTC)
    env = {
        **os.environ,
        "DATABASE_URL": args.database,
        "DJANGO_SETTINGS_MODULE": "modig.settings",
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(60),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("CELERY_BROKER_URL", None)
    machine = machine_info(args.database)
    seed = prepare(args.database, args.scale, env)
    seed["vacuum_seconds"] = round(vacuum(args.database), 1)
    manage(env, "collectstatic", "--noinput", "-v", "0")  # DEBUG off serves the manifest's names
    ensure_database(
        with_name(args.database, urllib.parse.urlsplit(args.database).path.lstrip("/") + "_imports")
    )

    results: dict[str, dict | None] = {}
    errors: dict[str, str] = {}
    seconds: dict[str, float] = {}
    folder = Path(tempfile.mkdtemp(prefix="modig-bench-"))
    for name in only:
        out = folder / f"{name}.json"
        command, database = commands(args, out)[name]
        print(f"\n=== {name} ({dt.datetime.now(dt.UTC):%H:%M:%S} UTC)", flush=True)
        began = time.perf_counter()
        proc = subprocess.run(command, cwd=ROOT, env={**env, "DATABASE_URL": database}, check=False)
        seconds[name] = time.perf_counter() - began
        if proc.returncode == 0 and out.exists():
            results[name] = json.loads(out.read_text())
        else:
            results[name] = None
            errors[name] = f"exit status {proc.returncode} (its output is above)"
            print(f"!!! {name} failed: {errors[name]}", flush=True)
    finished = dt.datetime.now(dt.UTC)
    machine["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    data = report(
        results,
        errors,
        scale=args.scale,
        database=args.database,
        started=started,
        finished=finished,
        seconds=seconds,
        machine=machine,
        commit=git_info(),
    )
    data["seed"] = seed
    data["quick"] = args.quick
    Path(args.output).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    print(
        f"\nscale {args.scale:g}, {redact(args.database)}, {data['run_seconds']} s, load {machine['load_average']}"
    )
    print(format_table(data["table"]))
    b = data["budgets"]
    print(
        f"budgets: {b['met']} met, {b['not_met']} not met, {b['not_measured']} not measured → {args.output}"
    )


if __name__ == "__main__":
    main()
