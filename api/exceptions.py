from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from api.messages import (
    API_KEY_INVALID,
    API_MALFORMED_JSON,
    API_METHOD_NOT_ALLOWED,
    API_NOT_FOUND,
    API_THROTTLED,
    API_UNSUPPORTED_MEDIA,
)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with one answer for every authentication failure and for "not found", and
    the portal's own (translated) words for DRF's protocol errors, which come in English."""
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        response.data = {"detail": str(API_KEY_INVALID)}
    elif response.status_code == 404:
        response.data = {"detail": str(API_NOT_FOUND)}
    elif isinstance(exc, exceptions.ParseError):
        response.data = {"detail": str(API_MALFORMED_JSON)}
    elif isinstance(exc, exceptions.Throttled):
        response.data = {"detail": str(API_THROTTLED) % {"seconds": int(exc.wait or 1)}}
    elif isinstance(exc, exceptions.UnsupportedMediaType):
        response.data = {"detail": str(API_UNSUPPORTED_MEDIA)}
    elif isinstance(exc, exceptions.MethodNotAllowed):
        response.data = {"detail": str(API_METHOD_NOT_ALLOWED) % {"method": context["request"].method}}
    return response
