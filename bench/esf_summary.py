"""Benchmark: `rapporter.queries.esf_summary` against hand-written SQL GROUP BYs over the same
rows (design budget: at most 1.5 × the hand-written SQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/modig_bench \
        .venv/bin/python bench/esf_summary.py [--scale 10] [--runs 7] [--programme MODIG]

Uses the data already in the database; when it has no programme, seeds it first with
`seed_demo --scale N`. Runs ANALYZE, warms up, then times the median of --runs runs of each:

- orm:      esf_summary(programme=…) — the ORM queries plus building the dict;
- baseline: the same figures computed by hand-written SQL (one GROUP BY per table of the
            summary, executed with a raw cursor, rows fetched, nothing else);
- single:   only the largest GROUP BY (participants per municipality × gender × target group),
            for scale.
"""

# ruff: noqa: S608 - the SQL strings are constants of this file; values go in as parameters
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "modig.settings")

import django

django.setup()

from common import add_json_argument, write_json  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from ombud.models import Programme  # noqa: E402
from rapporter.queries import esf_summary  # noqa: E402

ATTENDED = "a.status IN ('närvarande', 'sen', 'delvis')"
ROWS = f"""
    FROM kurser_attendance a
    JOIN kurser_session s ON s.id = a.session_id
    WHERE s.programme_id = %(p)s AND s.date BETWEEN %(f)s AND %(t)s AND s.status <> 'inställd' AND {ATTENDED}
"""
TOOL = "CASE WHEN c.tool = '' THEN 'Övrigt' ELSE c.tool END"

BASELINE = [
    # participants and minutes per municipality × gender × target group (totals, by_municipality,
    # by_target_group are sums of these groups)
    f"""SELECT p.municipality_id, p.gender, p.target_group, COUNT(DISTINCT a.person_id), SUM(a.minutes)
        {ROWS.replace("WHERE", "JOIN ombud_person p ON p.id = a.person_id WHERE")}
        GROUP BY 1, 2, 3""",
    # held sessions per type × tool
    f"""SELECT c.type, {TOOL}, COUNT(*), SUM(s.planned_minutes)
        FROM kurser_session s JOIN kurser_course c ON c.id = s.course_id
        WHERE s.programme_id = %(p)s AND s.date BETWEEN %(f)s AND %(t)s AND s.status = 'genomförd'
        GROUP BY 1, 2""",
    # participant minutes per type
    f"""SELECT c.type, SUM(a.minutes)
        {ROWS.replace("WHERE", "JOIN kurser_course c ON c.id = s.course_id WHERE")}
        GROUP BY 1""",
    # participants and minutes per tool
    f"""SELECT {TOOL}, COUNT(DISTINCT a.person_id), SUM(a.minutes)
        {ROWS.replace("WHERE", "JOIN kurser_course c ON c.id = s.course_id WHERE")}
        GROUP BY 1""",
    # cascade reach per ombud
    f"""SELECT s.trainer_id, tr.first_name, tr.last_name, m.code, COUNT(DISTINCT a.person_id)
        {
        ROWS.replace(
            "WHERE",
            "JOIN kurser_course c ON c.id = s.course_id JOIN ombud_person tr ON tr.id = s.trainer_id "
            "JOIN ombud_municipality m ON m.id = tr.municipality_id WHERE",
        )
    }
          AND c.type = 'arbetsplatsutbildning' AND tr.target_group = 'digitaliseringsombud'
        GROUP BY 1, 2, 3, 4""",
    # age band (at the first attended session in the period) × gender
    f"""SELECT CASE WHEN age < 25 THEN '<25' WHEN age <= 54 THEN '25-54' ELSE '>54' END, gender, COUNT(*)
        FROM (
            SELECT a.person_id, p.gender, EXTRACT(YEAR FROM AGE(MIN(s.date), p.birth_date)) AS age
            {ROWS.replace("WHERE", "JOIN ombud_person p ON p.id = a.person_id WHERE")}
            GROUP BY a.person_id, p.gender, p.birth_date
        ) per_person
        GROUP BY 1, 2""",
    # co-financing: minutes per calendar year
    f"""SELECT EXTRACT(YEAR FROM s.date), SUM(a.minutes) {ROWS} GROUP BY 1""",
    "SELECT year, amount FROM ombud_unitcost WHERE programme_id = %(p)s",
    """SELECT m.id, m.code, m.name FROM ombud_municipality m
       JOIN ombud_programme_municipalities pm ON pm.municipality_id = m.id
       WHERE pm.programme_id = %(p)s ORDER BY m.code""",
]


def run_sql(statements: list[str], params: dict) -> None:
    with connection.cursor() as cur:
        for sql in statements:
            cur.execute(sql, params)
            cur.fetchall()


def timed(fn, runs: int) -> float:
    fn()  # warm up (plans, caches)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=10, help="seed_demo scale when the database is empty")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--programme", default="MODIG")
    add_json_argument(parser)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Kör mot PostgreSQL: sätt DATABASE_URL=postgres://…")
    if not Programme.objects.filter(code=args.programme).exists():
        print(f"Tom databas: seed_demo --scale {args.scale} …", flush=True)
        call_command("seed_demo", scale=args.scale)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
        cur.execute(
            "SELECT COUNT(*) FROM kurser_attendance a JOIN kurser_session s ON s.id = a.session_id "
            "JOIN ombud_programme pr ON pr.id = s.programme_id WHERE pr.code = %s",
            [args.programme],
        )
        (rows,) = cur.fetchone()
    programme = Programme.objects.get(code=args.programme)
    params = {"p": programme.id, "f": programme.start_date, "t": programme.end_date}

    summary = esf_summary(programme=programme)
    orm = timed(lambda: esf_summary(programme=programme), args.runs)
    baseline = timed(lambda: run_sql(BASELINE, params), args.runs)
    single = timed(lambda: run_sql(BASELINE[:1], params), args.runs)

    t = summary["totals"]
    print(f"attendance rows of {args.programme}: {rows:,}; participants {t['participants']:,}, ")
    print(f"  participant hours {t['participant_hours']:,}, sessions {t['sessions']:,}, ombud {t['ombud']}")
    print(
        f"esf_summary (ORM, {len(BASELINE)} queries incl. lookups): {orm * 1000:8.1f} ms (median of {args.runs})"
    )
    print(f"hand-written SQL, same figures:            {baseline * 1000:8.1f} ms")
    print(f"hand-written SQL, largest GROUP BY only:   {single * 1000:8.1f} ms")
    print(f"ratio esf_summary / hand-written SQL: {orm / baseline:.2f} (budget ≤ 1.5)")
    print(f"ratio esf_summary / largest GROUP BY: {orm / single:.2f} (for scale)")
    write_json(
        args.json,
        "esf_summary",
        {
            "attendance_rows": rows,
            "runs": args.runs,
            "orm_ms": round(orm * 1000, 1),
            "sql_ms": round(baseline * 1000, 1),
            "largest_group_by_ms": round(single * 1000, 1),
        },
    )


if __name__ == "__main__":
    main()
