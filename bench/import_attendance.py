"""Benchmark: `import_attendance` on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/modig_bench \
        .venv/bin/python bench/import_attendance.py --rows 1900000

Generates an attendance history like a programme's Excel lists (one row per participant per
session, about ten participants per session, trainers by personnummer or by name), registers
the people it names directly with COPY (not measured), then runs the real command
`manage.py import_attendance FILE --programme MODIG` in a child process — wall time and that
process's peak RSS — twice (the second run is the idempotent re-import). The baseline is a
`COPY` of the same attendance rows, already resolved to session and person ids, into the table.

The command runs as in production, with a broker (`--redis`): a large import marks the
programme's rollups stale and queues their rebuild for the worker (`kurser.rollups.mark_stale`)
instead of rebuilding them inside its transaction. That rebuild — the worker's
`kurser.rollups.rebuild_stale` — is then run here and timed on its own (`rollups_rebuild_seconds`,
not part of the import's figure); the queued task is dropped (the Redis database is emptied).
The tables of the database named by DATABASE_URL are emptied first: use a database of its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import add_json_argument, write_json
from import_people import MUNICIPALITIES, people, reset, run_command

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "modig.settings")

COURSES = [
    ("Teams grund", "Teams", "grund", "arbetsplatsutbildning"),
    ("Teams fördjupning", "Teams", "fördjupning", "arbetsplatsutbildning"),
    ("Outlook kalender", "Outlook", "grund", "arbetsplatsutbildning"),
    ("Läkemedelssignering", "Läkemedelssignering", "grund", "arbetsplatsutbildning"),
    ("Nyckelfria lås", "Nyckelfria lås", "grund", "arbetsplatsutbildning"),
    ("Ombudsutbildning steg 1", "Övrigt", "grund", "ombudsutbildning"),
    ("Digitalt ledarskap", "Övrigt", "fördjupning", "chefsutbildning"),
]
STATUSES = ["närvarande"] * 14 + ["sen", "delvis", "frånvarande", "förhinder"]


def register_people(n: int) -> dict[str, list[str]]:
    """COPY n people into the database; returns written personnummer by municipality code."""
    from django.db import connection, transaction

    from ombud.importing.people import _PERSON_INSERT
    from ombud.importing.writer import insert_rows
    from ombud.models import Municipality, Person, Workplace
    from ombud.personnummer import birth_date, gender
    from ombud.search import search_text

    munis = dict(Municipality.objects.values_list("code", "pk"))
    by_code: dict[str, list[str]] = {code: [] for code, _ in MUNICIPALITIES}
    workplaces: dict[tuple[int, str], int] = {}
    rows = []
    now = dt.datetime.now(dt.UTC)
    for p, written, first, last, _g, code, workplace, sector, group in people(n, seed=7):
        key = (munis[code], workplace)
        if key not in workplaces:
            workplaces[key] = Workplace.objects.create(
                municipality_id=key[0], name=workplace, sector=sector
            ).pk
        search = search_text(first, last)
        rows.append(
            (p, first, last, gender(p), birth_date(p), key[0], workplaces[key], group, "", now, now, search)
        )
        by_code[code].append(written)
    assert connection.vendor == "postgresql"
    with transaction.atomic():
        insert_rows(
            Person,
            _PERSON_INSERT,
            rows,
        )
    return by_code


def write_csv(path: Path, rows: int, by_code: dict[str, list[str]], seed: int = 2020) -> int:
    rnd = random.Random(seed)
    header = "datum,starttid,minuter,kurs,verktyg,nivå,typ,form,kommun,arbetsplats,utbildare,deltagare,närvaro,närvarominuter"
    written = 0
    sessions = 0
    day0 = dt.date(2019, 4, 1)
    used: set[tuple] = set()
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(header + "\r\n")
        while written < rows:
            code, name = MUNICIPALITIES[sessions % 7]
            staff = by_code[code]
            day = day0 + dt.timedelta(days=rnd.randrange(820))
            start = f"{rnd.choice([8, 9, 10, 13, 14]):02d}:{rnd.choice(['00', '30'])}"
            minutes = rnd.choice([45, 60, 90, 120])
            title, tool, level, ctype = rnd.choice(COURSES)
            trainer = rnd.choice(staff[:40]) if sessions % 3 else f"Extern utbildare {sessions % 50}"
            workplace = f"Hemtjänst {(sessions // 7) % 60 + 1}" if sessions % 2 else ""
            form = rnd.choice(["på plats", "på plats", "fjärr"])
            key = (day, start, title, code, workplace, trainer)
            if key in used:  # the same session key twice would merge two lists into one
                continue
            used.add(key)
            group = rnd.sample(staff, min(10, rows - written))
            for person in group:
                status = rnd.choice(STATUSES)
                attended = str(rnd.randrange(10, minutes)) if status in ("sen", "delvis") else ""
                f.write(
                    f"{day},{start},{minutes},{title},{tool},{level},{ctype},{form},{name},{workplace},"
                    f"{trainer},{person},{status},{attended}\r\n"
                )
            written += len(group)
            sessions += 1
    return sessions


def baseline_copy() -> tuple[float, int]:
    """Take the imported attendance rows out and COPY them back in: the database's floor."""
    from django.db import connection, transaction

    buf = io.StringIO()
    with connection.cursor() as c:
        c.cursor.copy_expert(
            "COPY (SELECT session_id, person_id, status, minutes, recorded_at FROM kurser_attendance) TO STDOUT",
            buf,
        )
        count = buf.getvalue().count("\n")
        c.execute("TRUNCATE kurser_attendance")
    buf.seek(0)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as c:
        c.cursor.copy_expert(
            "COPY kurser_attendance (session_id, person_id, status, minutes, recorded_at) FROM STDIN", buf
        )
    return time.perf_counter() - started, count


def background_rebuild(redis_url: str) -> float | None:
    """Run what the worker runs after a large import (`rebuild_stale` of the stale programme),
    timed, then drop the queued task. None when the import left nothing stale."""
    import redis

    from kurser.models import RollupState
    from kurser.rollups import rebuild_stale

    stale = list(RollupState.objects.filter(stale_since__isnull=False).values_list("programme_id", flat=True))
    started = time.perf_counter()
    for programme_id in stale:
        rebuild_stale(programme_id)
    seconds = time.perf_counter() - started
    redis.Redis.from_url(redis_url).flushdb()
    return seconds if stale else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=190_000)
    parser.add_argument("--people", type=int, default=0, help="default: rows / 5")
    parser.add_argument(
        "--redis",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"),
        help="the broker the command queues the rollups rebuild on (emptied afterwards)",
    )
    add_json_argument(parser)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Sätt DATABASE_URL till en egen PostgreSQL-databas (tabellerna töms).")

    import django

    django.setup()
    from django.core.management import call_command

    from ombud.services import programme_upsert

    call_command("migrate", verbosity=0)
    reset()
    from django.db import connection

    with connection.cursor() as c:
        c.execute("TRUNCATE kurser_course RESTART IDENTITY CASCADE")
    programme_upsert(
        code="MODIG",
        name="Modig",
        start_date=dt.date(2019, 4, 1),
        end_date=dt.date(2021, 6, 30),
        funder="ESF",
        municipalities=MUNICIPALITIES,
    )
    t = time.perf_counter()
    by_code = register_people(args.people or max(1000, args.rows // 5))
    print(f"people registered with COPY in {time.perf_counter() - t:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "narvaro.csv"
        t = time.perf_counter()
        sessions = write_csv(path, args.rows, by_code)
        size = path.stat().st_size / 1e6
        print(
            f"file: {args.rows} rows, {sessions} sessions, {size:.1f} MB, in {time.perf_counter() - t:.1f} s"
        )
        production = {**os.environ, "CELERY_BROKER_URL": args.redis}
        seconds, peak, last = run_command(
            "import_attendance", str(path), "--programme", "MODIG", env=production
        )
        print(f"import_attendance (first run): {seconds:.1f} s, peak RSS {peak:.0f} MiB — {last}")
        rebuild_s = background_rebuild(args.redis)
        if rebuild_s is not None:
            print(f"rollups rebuilt in the background (the worker's task, run here): {rebuild_s:.1f} s")
        seconds2, peak2, last2 = run_command(
            "import_attendance", str(path), "--programme", "MODIG", env=production
        )
        print(f"import_attendance (same file again): {seconds2:.1f} s, peak RSS {peak2:.0f} MiB — {last2}")
    copy_s, count = baseline_copy()
    print(f"baseline COPY of {count} resolved attendance rows: {copy_s:.2f} s")
    print(f"ratio of the first run to COPY: {seconds / copy_s:.1f} ×")
    write_json(
        args.json,
        "import_attendance",
        {
            "rows": count,
            "sessions": sessions,
            "copy_seconds": round(copy_s, 3),
            "import_seconds": round(seconds, 3),
            "import_peak_rss_mib": round(peak),
            "reimport_seconds": round(seconds2, 3),
            "reimport_peak_rss_mib": round(peak2),
            "rollups_rebuild_seconds": None if rebuild_s is None else round(rebuild_s, 3),
        },
    )


if __name__ == "__main__":
    main()
