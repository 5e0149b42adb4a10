"""Page latency: each page alone and under concurrent clients, p50/p95 vs `/healthz` in the same
run, and the dashboard, start page and effect page on a cold cache vs warm.

    .venv/bin/python bench/pages.py --database postgres://postgres@127.0.0.1:5432/modig_bench \
        [--clients 10] [--rounds 20] [--alone-rounds 10] [--redis redis://127.0.0.1:6379/9] [--json FILE]

Serves the portal with gunicorn (2 workers × 4 threads) on 127.0.0.1:8765 against the given
database (made with `seed_demo --scale F`; a path is taken as SQLite), as in production: DEBUG
off (collectstatic first, a random SECRET_KEY), HTTPS as seen behind a proxy (X-Forwarded-Proto),
and with `--redis` the Redis cache (that Redis database is emptied). Logs each client in as the
demo programme leader through the login form, then:

1. alone: one client requests each page `--alone-rounds` times (median, p95);
2. loaded: `--clients` clients request every page `--rounds` times at once; per page the median,
   the 95th percentile and its ratio to the p95 of `/healthz` (one `SELECT 1` through the same stack);
3. cold vs warm (with `--redis`): the cache is emptied, the dashboard, start page and effect page are requested
   (cold), then again (warm), `--cold-rounds` times; medians.

Only loopback traffic; bounded in count.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from common import add_json_argument, write_json  # noqa: E402

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
    "/enkater/effekt/",
    "/enkater/effekt/ej-svarat/",
]
COLD_PAGES = ["/rapporter/", "/", "/enkater/effekt/"]


def login(user: str, password: str) -> urllib.request.OpenerDirector:
    # Production cookies are Secure; behind the (pretend) proxy the portal sees HTTPS.
    policy = http.cookiejar.DefaultCookiePolicy(secure_protocols=("https", "http"))
    jar = http.cookiejar.CookieJar(policy)
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("X-Forwarded-Proto", "https")]
    html = opener.open(BASE + "/konto/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    data = urllib.parse.urlencode({"username": user, "password": password, "csrfmiddlewaretoken": token})
    referer = BASE.replace("http:", "https:") + "/konto/login/"
    request = urllib.request.Request(BASE + "/konto/login/", data=data.encode(), headers={"Referer": referer})
    with opener.open(request, timeout=30) as response:
        response.read()
        if response.url.endswith("/konto/login/"):
            raise SystemExit(f"login as {user} failed")
    return opener


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def get(opener: urllib.request.OpenerDirector, page: str) -> tuple[float, int]:
    """(milliseconds, bytes) of one GET that must answer 200."""
    start = time.perf_counter()
    with opener.open(BASE + page, timeout=120) as response:
        body = response.read()
        assert response.status == 200, (page, response.status)
    return (time.perf_counter() - start) * 1000, len(body)


def summary(values: list[float]) -> dict[str, float]:
    return {"p50_ms": round(statistics.median(values), 1), "p95_ms": round(percentile(values, 0.95), 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database", required=True, help="a DATABASE_URL, or the path of a SQLite file")
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=20, help="rounds of every page per client under load")
    ap.add_argument("--alone-rounds", type=int, default=10)
    ap.add_argument("--cold-rounds", type=int, default=3)
    ap.add_argument("--redis", help="Redis URL for the cache (emptied); without it the file cache")
    ap.add_argument("--user", default="programledare")
    ap.add_argument("--port", type=int, default=PORT)
    add_json_argument(ap)
    a = ap.parse_args()
    global BASE
    BASE = f"http://127.0.0.1:{a.port}"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{a.database}" if "://" not in a.database else a.database,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("CELERY_BROKER_URL", None)
    if a.redis:
        env["CELERY_BROKER_URL"] = a.redis
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "modig.wsgi:application", "--bind", f"127.0.0.1:{a.port}",
         "--workers", "2", "--threads", "4", "--log-level", "warning", "--timeout", "300"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(BASE + "/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        openers = [login(a.user, "modig-demo-2019") for _ in range(a.clients)]
        sizes = {}
        for page in PAGES:  # warm each page once (caches, imports, both workers' first hit)
            for opener in openers[:2]:
                sizes[page] = get(opener, page)[1]

        alone: dict[str, list[float]] = {page: [] for page in PAGES}
        for _ in range(a.alone_rounds):
            for page in PAGES:
                alone[page].append(get(openers[0], page)[0])

        timings: dict[str, list[float]] = {page: [] for page in PAGES}
        lock = threading.Lock()

        def client(opener: urllib.request.OpenerDirector) -> None:
            for _ in range(a.rounds):
                for page in PAGES:
                    ms = get(opener, page)[0]
                    with lock:
                        timings[page].append(ms)

        threads = [threading.Thread(target=client, args=(o,)) for o in openers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        cold_warm = {}
        if a.redis:
            import redis

            store = redis.Redis.from_url(a.redis)
            cold: dict[str, list[float]] = {page: [] for page in COLD_PAGES}
            warm: dict[str, list[float]] = {page: [] for page in COLD_PAGES}
            for _ in range(a.cold_rounds):
                for page in COLD_PAGES:
                    store.flushdb()
                    cold[page].append(get(openers[0], page)[0])
                    warm[page].append(get(openers[0], page)[0])
            cold_warm = {
                page: {
                    "cold_ms": round(statistics.median(cold[page]), 1),
                    "warm_ms": round(statistics.median(warm[page]), 1),
                }
                for page in COLD_PAGES
            }

        base_alone = percentile(alone["/healthz"], 0.5)
        base_p95 = percentile(timings["/healthz"], 0.95)
        print(
            f"{a.clients} clients × {a.rounds} rounds, alone {a.alone_rounds} rounds, database {a.database}"
        )
        print(f"{'page':<26}{'alone p50':>10}{'p50 ms':>9}{'p95 ms':>9}{'p95 / healthz':>15}{'kB':>6}")
        figures = []
        for page in PAGES:
            values = timings[page]
            p95 = percentile(values, 0.95)
            print(
                f"{page:<26}{statistics.median(alone[page]):>10.0f}{statistics.median(values):>9.0f}"
                f"{p95:>9.0f}{p95 / base_p95:>15.1f}{sizes[page] / 1024:>6.0f}"
            )
            figures.append(
                {"url": page, "bytes": sizes[page], "alone": summary(alone[page]), "loaded": summary(values)}
            )
        for page, figure in cold_warm.items():
            print(f"{page:<26} cold {figure['cold_ms']:.0f} ms, warm {figure['warm_ms']:.0f} ms")
        write_json(
            a.json,
            "pages",
            {
                "clients": a.clients,
                "rounds": a.rounds,
                "alone_rounds": a.alone_rounds,
                "healthz_alone_p50_ms": round(base_alone, 1),
                "healthz_loaded_p95_ms": round(base_p95, 1),
                "pages": figures,
                "cold_warm": cold_warm,
            },
        )
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
