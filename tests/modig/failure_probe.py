"""Run inside a subprocess by tests/modig/test_failures.py, with the environment under test (a
broker that does not answer, a database that does not exist …): migrates a fresh database when
asked, walks a few pages with Django's test client and prints one JSON line of what it saw."""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "modig.settings")
    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    mode = sys.argv[1]
    out: dict[str, object] = {}
    client = Client(raise_request_exception=False)
    if mode == "broker-down":
        call_command("migrate", verbosity=0)
        from ombud.models import Role, User
        from rapporter.models import Report
        from tests.factories import modig_programme

        programme = modig_programme()
        user = User.objects.create(username="programledare", role=Role.PROGRAMME_LEADER)
        client.force_login(user)
        for name, url in [("home", "/"), ("report_list", "/rapporter/rapporter/"), ("healthz", "/healthz")]:
            response = client.get(url)
            out[name] = response.status_code
        out["healthz_body"] = client.get("/healthz").json()
        started = time.monotonic()
        response = client.post(
            "/rapporter/rapporter/",
            {
                "kind": "esf",
                "format": "pdf",
                "programme": programme.pk,
                "period_from": "2019-04-01",
                "period_to": "2021-06-30",
            },
        )
        out["post"] = response.status_code
        out["post_seconds"] = round(time.monotonic() - started, 2)
        page = client.get("/rapporter/rapporter/")
        out["messages"] = [(m.level_tag, str(m)) for m in page.context["messages"]]
        out["reports"] = [[r.status, r.error] for r in Report.objects.all()]
        failed = Report.objects.get()
        client.post(f"/rapporter/rapporter/{failed.pk}/forsok-igen/")
        page = client.get("/rapporter/rapporter/")
        out["retry_messages"] = [(m.level_tag, str(m)) for m in page.context["messages"]]
    elif mode == "database-down":
        response = client.get("/healthz")
        out["healthz"] = response.status_code
        out["healthz_body"] = response.json()
        response = client.post("/konto/login/", {"username": "programledare", "password": "x" * 12})
        out["login"] = response.status_code
        out["login_html"] = response.content.decode()
    elif mode == "embedded":
        import hashlib

        from django.conf import settings
        from django.contrib.auth.views import LoginView

        out["debug"] = settings.DEBUG
        out["secret_sha"] = hashlib.sha256(settings.SECRET_KEY.encode()).hexdigest()
        response = client.get("/finns-inte/")
        out["missing"] = response.status_code
        out["missing_html"] = response.content.decode()
        response = client.get("/static/css/modig.css")
        out["static"] = response.status_code
        out["static_type"] = response.get("Content-Type", "")

        def broken(self, request, *args, **kwargs):
            raise RuntimeError("a bug")

        LoginView.get = broken
        response = client.get("/konto/login/")
        out["error"] = response.status_code
        out["error_html"] = response.content.decode()
    elif mode == "page":
        import re

        response = client.get("/konto/login/", secure=True)
        out["login"] = response.status_code
        html = response.content.decode()
        css = re.search(r'href="(/static/[^"]+\.css)"', html)
        out["css_url"] = css.group(1) if css else None
        if css:
            out["css"] = client.get(css.group(1), secure=True).status_code
    print("PROBE " + json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
