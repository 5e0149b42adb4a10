"""Responses that carry personal data are never stored by a browser or a proxy cache.

The simplest rule that is safe: every response to a logged-in user and every file download
(exports, reports, GDPR extracts) gets `Cache-Control: private, no-store`. Static files are
never touched (whitenoise answers them before this middleware, and they are skipped by path).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(settings.STATIC_URL):
            return response
        user = getattr(request, "user", None)
        is_download = "attachment" in response.get("Content-Disposition", "")
        if is_download or (user is not None and user.is_authenticated):
            patch_cache_control(response, private=True, no_store=True)
        return response
