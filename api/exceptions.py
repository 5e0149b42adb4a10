from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from api.messages import API_KEY_INVALID, API_NOT_FOUND


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with one answer for every authentication failure and for "not found"."""
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        response.data = {"detail": str(API_KEY_INVALID)}
    elif response.status_code == 404:
        response.data = {"detail": str(API_NOT_FOUND)}
    return response
