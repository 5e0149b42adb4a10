"""Round trip through the spec's files: seed → export → import → the same ESF summary.

    .venv/bin/python bench/roundtrip.py --scale 1

1. `seed_demo --scale F` into a fresh SQLite database A and `esf_report --format json`;
2. export A's people and held attendance as the spec's import files (§1a, §1b);
3. into a fresh database B: `create_programme` (spec §4 line, same unit costs), `import_people`,
   `import_attendance` twice (the second run must change nothing), `esf_report --format json`;
4. the two JSON files must be identical. Prints the import times and peak memory of each command.

This checks the importers and the counting rules against each other at any scale: the seeded
data is written by the ORM, the imported data by the import engine.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODIG = [
    "create_programme", "--code", "MODIG", "--name", "Modig – Mer omsorg med digital teknik",
    "--from", "2019-04-01", "--to", "2021-06-30", "--funder", "ESF",
    "--municipalities",
    "1440:Ale,1401:Härryda,1482:Kungälv,1481:Mölndal,1402:Partille,1415:Stenungsund,1419:Tjörn",
    "--unit-costs", "2019:270,2020:275,2021:280",
]  # fmt: skip

EXPORT = """
import csv, sys
from kurser.models import Attendance
from ombud.models import Person
folder = sys.argv[-1]
with open(folder + "/people.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, delimiter=";")
    w.writerow(["personnummer", "förnamn", "efternamn", "kön", "kommun", "arbetsplats",
                "verksamhet", "målgrupp", "e-post"])
    for p in Person.objects.select_related("municipality", "workplace").iterator():
        wp = p.workplace
        w.writerow([p.personnummer, p.first_name, p.last_name, p.gender, p.municipality.code,
                    wp.name if wp else "Förvaltningen", wp.sector if wp else "", p.target_group, ""])
with open(folder + "/attendance.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["datum", "starttid", "minuter", "kurs", "verktyg", "nivå", "typ", "form", "kommun",
                "arbetsplats", "utbildare", "deltagare", "närvaro", "närvarominuter"])
    rows = (Attendance.objects.filter(session__status="genomförd").exclude(status="anmäld")
            .select_related("session__course", "session__municipality", "session__workplace",
                            "session__trainer", "person").order_by("session_id"))
    for a in rows.iterator():
        s = a.session
        w.writerow([s.date.isoformat(), s.start_time.strftime("%H:%M"), s.planned_minutes,
                    s.course.title, s.course.tool, s.course.level, s.course.type, s.form,
                    s.municipality.name, s.workplace.name if s.workplace else "",
                    s.trainer.personnummer if s.trainer_id else s.trainer_name,
                    a.person.personnummer, a.status, a.minutes])
"""


def manage(db: Path, *args: str, stdin: str | None = None) -> str:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}
    env.pop("CELERY_BROKER_URL", None)
    cmd = ["/usr/bin/time", "-f", "%e s, %M KiB", sys.executable, "manage.py", *args]
    done = subprocess.run(cmd, cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:2])} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    print(f"{args[0]:<20} {done.stderr.strip().splitlines()[-1]:>22}  {last[:90]}")
    return done.stdout


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="1")
    scale = ap.parse_args().scale
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        a, b = folder / "seeded.sqlite3", folder / "imported.sqlite3"
        manage(a, "migrate", "-v0")
        manage(a, "seed_demo", "--scale", scale)
        manage(
            a, "esf_report", "--programme", "MODIG", "--format", "json", "--output", str(folder / "a.json")
        )
        manage(a, "shell", "-c", EXPORT.replace("sys.argv[-1]", repr(str(folder))))
        with open(folder / "attendance.csv", encoding="utf-8") as f:
            rows = sum(1 for _ in csv.reader(f)) - 1
        print(f"exported attendance rows: {rows}")
        manage(b, "migrate", "-v0")
        manage(b, *MODIG)
        manage(b, "import_people", str(folder / "people.csv"))
        manage(b, "import_attendance", str(folder / "attendance.csv"), "--programme", "MODIG")
        manage(b, "import_attendance", str(folder / "attendance.csv"), "--programme", "MODIG")
        manage(
            b, "esf_report", "--programme", "MODIG", "--format", "json", "--output", str(folder / "b.json")
        )
        same = (folder / "a.json").read_bytes() == (folder / "b.json").read_bytes()
        print("ESF summary after the round trip:", "identical" if same else "DIFFERENT")
        sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
