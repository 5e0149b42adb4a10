"""Project-level views: the start page and the health check."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ombud import access


@login_required
def home(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {
        "has_role": bool(access.role_of(request.user)),
        "is_ombud": access.is_ombud(request.user),
    }
    if access.can_view_reports(request.user):
        # Headline numbers of the user's newest programme (cached; see rapporter.selectors).
        from rapporter import selectors

        scope = selectors.dashboard_scope(user=request.user)
        if scope is not None:
            context["scope"] = scope
            context["totals"] = selectors.dashboard_totals(scope=scope)
    return render(request, "home.html", context)


def _broker_state() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.CELERY_BROKER_URL:
        return "eager"
    from kombu import Connection

    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:  # noqa: BLE001 - any failure to reach the broker means "down"
        return "down"
    return "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """`{"database": "ok", "broker": "ok"|"eager"|"down"}`; 503 when the database is down."""
    body = {"database": "ok", "broker": _broker_state()}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - whatever the reason, the database is not usable
        body["database"] = "down"
        return JsonResponse(body, status=503)
    return JsonResponse(body)
