"""Benchmark: the first page of a list against a deep page (`?page=2000`), in-process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/modig_lists .venv/bin/python bench/deep_pages.py

Uses Django's test client logged in as the demo programme leader (`seed_demo` made the account)
against the database named by DATABASE_URL; each URL is requested `--rounds` times after one
warm-up and the median and the slowest wall time are printed in milliseconds with the SQL query
count. Needs at least 100,000 people for page 2000 to exist (e.g. `seed_demo --scale 100`, or the
350,000 people of `bench/import_people.py`). Read-only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "modig.settings")

from common import add_json_argument, write_json  # noqa: E402

URLS = [
    "/personal/",
    "/personal/?page=2000",
    "/personal/?q=%C3%A5sa+str",
    "/personal/?q=%C3%B6berg&page=200",
    "/kurser/tillfallen/",
    "/kurser/tillfallen/?page=30",
    "/kurser/att-godkanna/",
    "/rapporter/",
    "/rapporter/rapporter/",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--user", default="programledare")
    parser.add_argument(
        "--deepest",
        action="store_true",
        help="instead of page 2000: the staff list's last page (any scale), with the first page",
    )
    parser.add_argument("urls", nargs="*", default=URLS)
    add_json_argument(parser)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from ombud.models import User

    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    client.force_login(User.objects.get(username=args.user))
    urls = args.urls
    if args.deepest:
        from ombud.models import Person

        last = max(1, -(-Person.objects.filter(erased_at__isnull=True).count() // 50))
        urls = ["/personal/", f"/personal/?page={last}"]
    figures = []
    print(f"{'url':40} {'status':>6} {'median ms':>10} {'max ms':>8} {'queries':>8} {'kB':>6}")
    for url in urls:
        response = client.get(url, secure=True)  # warm-up
        times = []
        for _ in range(args.rounds):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(url, secure=True)
                times.append((time.perf_counter() - start) * 1000)
        print(
            f"{url:40} {response.status_code:>6} {statistics.median(times):>10.1f} {max(times):>8.1f}"
            f" {len(queries):>8} {len(response.content) / 1024:>6.0f}"
        )
        figures.append(
            {
                "url": url,
                "status": response.status_code,
                "median_ms": round(statistics.median(times), 1),
                "max_ms": round(max(times), 1),
                "queries": len(queries),
                "bytes": len(response.content),
            }
        )
    write_json(args.json, "deep_pages", {"rounds": args.rounds, "pages": figures})


if __name__ == "__main__":
    main()
