"""`Authorization: Bearer <key>` (ombud.apikeys): the request acts as the key's service account.

A missing, unknown or revoked key answers 401 with one and the same message: nothing tells a
caller whether a key exists, was revoked or belongs to someone else.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from api.messages import API_KEY_INVALID
from ombud.apikeys import api_key_authenticate


class ApiKeyAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = get_authorization_header(request).split()
        if not header:
            return None  # → NotAuthenticated, 401 with the same message (api.exceptions)
        if len(header) != 2 or header[0].lower() != self.keyword.lower().encode():
            raise exceptions.AuthenticationFailed(API_KEY_INVALID)
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(API_KEY_INVALID) from None
        key = api_key_authenticate(raw)
        if key is None:
            raise exceptions.AuthenticationFailed(API_KEY_INVALID)
        return key.user, key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "En API-nyckel: modig_<prefix>_<hemlighet>",
        }
