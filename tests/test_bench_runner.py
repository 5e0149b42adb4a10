"""The `make bench` runner's table, budget marking and JSON (bench/run.py), on made-up figures:
nothing is timed here, and no benchmark runs (`make test` never runs bench/)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parents[1] / "bench" / "run.py"
spec = importlib.util.spec_from_file_location("bench_run", PATH)
assert spec is not None and spec.loader is not None
run = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run)


def page(url: str, alone: float, p95: float) -> dict:
    return {
        "url": url,
        "bytes": 1000,
        "alone": {"p50_ms": alone, "p95_ms": alone},
        "loaded": {"p50_ms": p95, "p95_ms": p95},
    }


RESULTS = {
    "pages": {
        "clients": 10,
        "healthz_alone_p50_ms": 10.0,
        "healthz_loaded_p95_ms": 50.0,
        "pages": [page("/healthz", 10, 50), page("/", 250, 500), page("/personal/", 301, 900)],
        "cold_warm": {
            "/rapporter/": {"cold_ms": 2500.0, "warm_ms": 50.0},
            "/": {"cold_ms": 900.0, "warm_ms": 9.0},
        },
    },
    "deep_pages": {
        "pages": [
            {"url": "/personal/", "median_ms": 40.0},
            {"url": "/personal/?page=780", "median_ms": 100.0},
        ]
    },
    "esf_summary": {"orm_ms": 180.0, "sql_ms": 200.0},
    "import_people": {"rows": 35000, "copy_seconds": 2.0, "import_seconds": 5.0, "reimport_seconds": 2.5},
    "import_attendance": {
        "rows": 164000,
        "copy_seconds": 4.0,
        "import_seconds": 7.0,
        "reimport_seconds": 8.0,
    },
    "esf_pdf": {"task_seconds": 4.0, "bare_render_seconds": 2.0},
    "certificates": {
        "month": "2019-06",
        "municipality": "1419",
        "busiest": {"month": "2020-04", "municipality": "1481", "people": 1334},
        "runs": [
            {
                "chunk_pages": 0,
                "pages": 317,
                "seconds_per_page": 0.3,
                "mib_per_page": 0.8,
                "peak_rss_mib": 400,
            },
            {
                "chunk_pages": 100,
                "pages": 317,
                "seconds_per_page": 0.31,
                "mib_per_page": 0.5,
                "peak_rss_mib": 150,
            },
        ],
    },
    "worker_rss": {"rss_mib": [100.0] + [101.0] * 48 + [140.0]},
}


def by_figure(rows: list[dict]) -> dict[tuple[str, str], dict]:
    return {(r["group"], r["figure"]): r for r in rows}


def test_budgets_are_marked_met_and_not_met():
    rows = by_figure(run.table(RESULTS))
    assert rows[("pages alone", "/")]["met"] is True  # 250 ms ≤ 300
    assert rows[("pages alone", "/personal/")]["met"] is False  # 301 ms
    assert rows[("pages alone", "/")]["ratio"] == 25.0  # vs /healthz alone
    assert rows[("pages, 10 clients", "/personal/")]["ratio"] == 18.0  # p95 vs /healthz p95, no budget
    assert rows[("pages, 10 clients", "/personal/")]["met"] is None
    assert rows[("cold cache", "/rapporter/")]["met"] is False  # 2.5 s > 1 s
    assert rows[("cold cache", "/rapporter/")]["ratio"] == 50.0
    assert rows[("cold cache", "/")]["met"] is True
    assert rows[("deep page", "/personal/?page=780")]["ratio"] == 2.5
    assert rows[("deep page", "/personal/?page=780")]["met"] is False
    assert rows[("aggregation", "esf_summary (ORM)")]["met"] is True  # 0.9 × SQL
    assert rows[("imports", "import people (35,000 rows)")]["met"] is False  # 2.5 × COPY
    assert rows[("imports", "import people, same file again")]["met"] is True  # 0.5 × first
    assert rows[("imports", "import attendance (164,000 rows)")]["met"] is True  # 1.75 × COPY
    assert rows[("imports", "import attendance, same file again")]["met"] is False  # slower than first
    assert rows[("reports", "ESF PDF task (whole programme)")]["ratio"] == 2.0
    assert rows[("certificates", "chunks of 100: one chunk's time")]["met"] is True  # 31 s
    assert rows[("certificates", "chunks of 100: peak RSS")]["met"] is True  # 150 < 400 MiB
    assert rows[("worker", "RSS after 50 reports")]["ratio"] == 1.4
    assert rows[("worker", "RSS after 50 reports")]["met"] is False  # > 1.25 × after 1


def test_memory_above_the_worker_cap_is_not_met():
    results = json.loads(json.dumps(RESULTS))
    results["certificates"]["runs"][1]["peak_rss_mib"] = 900
    results["certificates"]["runs"][0]["peak_rss_mib"] = 2000
    rows = by_figure(run.table(results))
    assert rows[("certificates", "chunks of 100: peak RSS")]["met"] is False


def test_a_bench_that_did_not_run_is_not_measured_never_met():
    rows = run.table({})
    assert rows and all(r["met"] is None and r["not_measured"] for r in rows)
    assert {r["group"] for r in rows} >= {"pages", "deep page", "imports", "worker", "certificates"}
    assert "not measured" in run.format_table(rows)


def test_latest_json_shape():
    started = dt.datetime(2026, 12, 1, 16, 0, tzinfo=dt.UTC)
    data = run.report(
        {**RESULTS, "esf_pdf": None},
        {"esf_pdf": "exit status 1"},
        scale=10.0,
        database="postgres://bench:secret@127.0.0.1:5432/modig_bench",
        started=started,
        finished=started + dt.timedelta(minutes=12),
        seconds={"pages": 100.04},
        machine={"cpus": 2},
        commit={"commit": "abc", "dirty": False},
    )
    assert set(data) >= {
        "scale", "database", "started_at", "finished_at", "run_seconds", "git", "machine", "budgets",
        "table", "benches", "errors",
    }  # fmt: skip
    assert data["database"] == "postgres://bench:***@127.0.0.1:5432/modig_bench"  # no password kept
    assert data["run_seconds"] == 720
    assert data["bench_seconds"] == {"pages": 100.0}
    assert data["errors"] == {"esf_pdf": "exit status 1"}
    pdf = by_figure(data["table"])[("reports", "ESF PDF task")]
    assert pdf["not_measured"] and pdf["met"] is None
    budgets = [r for r in data["table"] if r["budget"]]
    assert data["budgets"]["met"] + data["budgets"]["not_met"] + data["budgets"]["not_measured"] == len(
        budgets
    )
    assert data["budgets"]["not_met"] == 6  # /personal/, cold /rapporter/, deep, 2 imports, worker
    assert json.loads(json.dumps(data)) == data  # plain JSON
    for r in data["table"]:
        assert set(r) >= {"group", "figure", "value", "unit", "ratio", "ratio_of", "budget", "met"}


@pytest.mark.parametrize("render", ["format_table", "markdown_table"])
def test_tables_show_the_verdicts(render):
    text = getattr(run, render)(run.table(RESULTS))
    assert "NOT MET" in text and "met" in text
    assert "/personal/?page=780" in text


def test_the_committed_latest_json_has_the_shape():
    path = PATH.parent / "results" / "latest.json"
    if not path.exists():
        pytest.skip("no bench/results/latest.json yet")
    data = json.loads(path.read_text())
    assert data["scale"] > 0 and data["git"]["commit"] and data["machine"]["cpus"]
    assert data["table"] == run.table(data["benches"])  # the verdicts follow from the figures
