"""Benchmark: `import_people` with a 350,000-row staff list on PostgreSQL (100 × Modig).

    createdb -h 127.0.0.1 -U postgres modig_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/modig_bench .venv/bin/python bench/import_people.py

Steps: generate a CSV like a municipality's export (valid personnummer in all four formats,
Windows-1252, `;`); measure a baseline — `COPY` of the same, already resolved rows straight into
the table, the floor for getting these rows into PostgreSQL; then run the real command
`manage.py import_people FILE` in a child process (its wall time and peak RSS are the child's
own), and once more to measure the idempotent re-import. The person tables of the database
named by DATABASE_URL are emptied first: use a database of its own.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "modig.settings")

MUNICIPALITIES = [
    ("1440", "Ale"),
    ("1401", "Härryda"),
    ("1482", "Kungälv"),
    ("1481", "Mölndal"),
    ("1402", "Partille"),
    ("1415", "Stenungsund"),
    ("1419", "Tjörn"),
]
KINDS = ["Hemtjänst", "Äldreboende", "LSS-gruppbostad", "Daglig verksamhet", "Boendestöd"]
FIRST = ["Anna", "Eva", "Maria", "Karin", "Sara", "Lars", "Erik", "Per", "Mohammed", "Fatima", "Kim", "Åsa"]
LAST = ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Öberg", "Haddad", "Ali"]
GROUPS = ["baspersonal"] * 16 + ["operativ chef", "digitaliseringsombud", "lokal projektledare", "strateg"]


def people(n: int, seed: int = 2019):
    """n distinct, valid people: (pnr12, written form, first, last, gender, muni code, workplace, sector, group)."""
    import datetime as dt

    from ombud.personnummer import luhn_digit

    rnd = random.Random(seed)
    start = dt.date(1955, 1, 1)
    for i in range(n):
        born = start + dt.timedelta(days=i % 17000)
        serial = 1 + (i // 17000) % 999
        nine = f"{born:%y%m%d}{serial:03d}"
        twelve = f"{born:%Y%m%d}{serial:03d}{luhn_digit(nine)}"
        form = i % 4
        written = [
            f"{twelve[:8]}-{twelve[8:]}",
            twelve,
            f"{twelve[2:8]}-{twelve[8:]}",
            twelve[2:],
        ][form]
        code, _name = MUNICIPALITIES[i % 7]
        kind = KINDS[i % 5]
        workplace = f"{kind} {(i // 35) % 60 + 1}"
        sector = "funktionshinder" if kind in ("LSS-gruppbostad", "Daglig verksamhet") else "äldreomsorg"
        yield (
            twelve,
            written,
            rnd.choice(FIRST),
            rnd.choice(LAST),
            "",
            code,
            workplace,
            sector,
            rnd.choice(GROUPS),
        )


def write_csv(path: Path, n: int) -> None:
    with path.open("w", encoding="cp1252", newline="") as f:
        f.write("Personnummer;Förnamn;Efternamn;Kön;Kommun;Arbetsplats;Verksamhet;Målgrupp;E-post\r\n")
        for _p, written, first, last, gender, code, workplace, sector, group in people(n):
            f.write(f"{written};{first};{last};{gender};{code};{workplace};{sector};{group};\r\n")


def reset() -> None:
    from django.db import connection

    with connection.cursor() as c:
        c.execute(
            "TRUNCATE kurser_attendance, kurser_submission, kurser_session, ombud_ombud_workplaces, "
            "ombud_ombud, ombud_auditlog, ombud_person, ombud_workplace RESTART IDENTITY CASCADE"
        )


def setup_municipalities() -> None:
    from ombud.services import municipality_upsert

    for code, name in MUNICIPALITIES:
        municipality_upsert(code=code, name=name)


def baseline_copy(n: int) -> float:
    """COPY the same rows, resolved in advance, into ombud_person: the database's own floor."""
    import datetime as dt

    from django.db import connection, transaction

    from ombud.models import Municipality, Workplace
    from ombud.personnummer import birth_date, gender
    from ombud.search import search_text

    munis = dict(Municipality.objects.values_list("code", "pk"))
    wp_ids: dict[tuple[int, str], int] = {}
    buf = io.StringIO()
    now = dt.datetime.now(dt.UTC).isoformat()
    rows = list(people(n))
    for _p, _w, _first, _last, _g, code, workplace, sector, _group in rows:
        key = (munis[code], workplace)
        if key not in wp_ids:
            wp_ids[key] = Workplace.objects.create(municipality_id=key[0], name=workplace, sector=sector).pk
    for p, _w, first, last, _g, code, workplace, _sector, group in rows:
        buf.write(
            f"{p}\t{first}\t{last}\t{gender(p)}\t{birth_date(p)}\t{munis[code]}\t"
            f"{wp_ids[(munis[code], workplace)]}\t{group}\t\t{now}\t{now}\t{search_text(first, last)}\n"
        )
    buf.seek(0)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as c:
        c.cursor.copy_expert(
            "COPY ombud_person (personnummer, first_name, last_name, gender, birth_date, municipality_id, "
            "workplace_id, target_group, email, created_at, updated_at, search) FROM STDIN",
            buf,
        )
    return time.perf_counter() - started


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


def run_command(*args: str) -> tuple[float, float, str]:
    """(seconds, peak RSS of that process in MiB, last line) of `manage.py <args>`."""
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(ROOT / "manage.py"), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-2000:])
        raise SystemExit(f"{args[0]} failed with exit status {proc.returncode}")
    peak = next(int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("MAXRSS_KIB"))
    return seconds, peak / 1024, proc.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=350_000)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Sätt DATABASE_URL till en egen PostgreSQL-databas (tabellerna töms).")

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "personal.csv"
        t = time.perf_counter()
        write_csv(path, args.rows)
        print(
            f"file: {args.rows} rows, {path.stat().st_size / 1e6:.1f} MB, generated in {time.perf_counter() - t:.1f} s"
        )

        reset()
        setup_municipalities()
        copy_s = baseline_copy(args.rows)
        print(f"baseline COPY of the resolved rows: {copy_s:.2f} s")

        reset()
        setup_municipalities()
        seconds, peak, last = run_command("import_people", str(path))
        print(f"import_people (first run):  {seconds:.1f} s, peak RSS {peak:.0f} MiB — {last}")
        print(f"ratio to COPY: {seconds / copy_s:.1f} ×")
        seconds2, peak2, last2 = run_command("import_people", str(path))
        print(f"import_people (same file again): {seconds2:.1f} s, peak RSS {peak2:.0f} MiB — {last2}")


if __name__ == "__main__":
    main()
