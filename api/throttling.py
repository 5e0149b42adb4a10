from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class ApiKeyRateThrottle(SimpleRateThrottle):
    """Requests per key (settings.API_THROTTLE_RATE, e.g. `600/min`), counted in the cache."""

    scope = "api_key"

    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request, view) -> str | None:
        key = getattr(request, "auth", None)
        if key is None:
            return None  # unauthenticated requests are answered 401 before any work
        return self.cache_format % {"scope": self.scope, "ident": key.pk}
