"""Page latency under concurrent clients: p50/p95 per page vs `/healthz` in the same run.

    .venv/bin/python bench/pages.py --database /tmp/modig-scale10.sqlite3 [--clients 10] [--rounds 20]

Serves the portal with gunicorn (2 workers × 4 threads) on 127.0.0.1:8765 against the given
database (made with `seed_demo --scale F`), logs in each client as the demo programme leader
through the login form, then every client requests each page `--rounds` times. Prints, per page,
the median and 95th percentile in milliseconds and the ratio of its p95 to the p95 of `/healthz`
(the baseline: one `SELECT 1` through the same stack). Only loopback traffic; bounded in count.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
PAGES = [
    "/healthz",
    "/",
    "/personal/",
    "/personal/?page=20",
    "/personal/kommuner/",
    "/personal/ombud/",
    "/kurser/tillfallen/",
    "/kurser/att-godkanna/",
    "/rapporter/",
]


def login(user: str, password: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(BASE + "/konto/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    data = urllib.parse.urlencode({"username": user, "password": password, "csrfmiddlewaretoken": token})
    request = urllib.request.Request(BASE + "/konto/login/", data=data.encode(), headers={"Referer": BASE})
    opener.open(request, timeout=30).read()
    return opener


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database", required=True)
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--user", default="programledare")
    a = ap.parse_args()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{a.database}" if "://" not in a.database else a.database,
        "DEBUG": "true",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("CELERY_BROKER_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "modig.wsgi:application", "--bind", f"127.0.0.1:{PORT}",
         "--workers", "2", "--threads", "4", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(BASE + "/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        openers = [login(a.user, "modig-demo-2019") for _ in range(a.clients)]
        for opener in openers[:1]:  # warm each page once (caches, imports)
            for page in PAGES:
                opener.open(BASE + page, timeout=120).read()
        timings: dict[str, list[float]] = {page: [] for page in PAGES}
        lock = threading.Lock()

        def client(opener: urllib.request.OpenerDirector) -> None:
            for _ in range(a.rounds):
                for page in PAGES:
                    start = time.perf_counter()
                    with opener.open(BASE + page, timeout=120) as response:
                        response.read()
                        assert response.status == 200, (page, response.status)
                    with lock:
                        timings[page].append((time.perf_counter() - start) * 1000)

        threads = [threading.Thread(target=client, args=(o,)) for o in openers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        base_p95 = percentile(timings["/healthz"], 0.95)
        print(f"{a.clients} clients × {a.rounds} rounds, database {a.database}")
        print(f"{'page':<26}{'p50 ms':>9}{'p95 ms':>9}{'p95 / healthz':>15}")
        for page in PAGES:
            values = timings[page]
            p95 = percentile(values, 0.95)
            print(f"{page:<26}{statistics.median(values):>9.0f}{p95:>9.0f}{p95 / base_p95:>15.1f}")
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
