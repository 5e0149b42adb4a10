"""The client's address, the one way every throttle and the login lockout read it.

Behind a reverse proxy, REMOTE_ADDR is the proxy's address: keying a lockout on it lets anyone
lock a named account for everyone (issue 9 item 13). With `TRUSTED_PROXY_COUNT = N` (the number
of proxies in front of the portal that append to X-Forwarded-For), the client is the N-th address
from the right of that header; everything to the left of it was written by the client and is not
trusted. Without trusted proxies (0, the default) the header is ignored.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if count <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if len(hops) < count:
        # Fewer hops than proxies configured: the request did not come through them all.
        return remote
    candidate = hops[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
