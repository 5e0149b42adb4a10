"""API keys (issue 13): created, shown once, stored hashed, revoked; the one place that knows
how a key is made and checked.

A key is `modig_<prefix>_<secret>`: the prefix (8 hex digits) is stored and shown in lists, the
whole key only as its sha256. A key acts through a service account of its own (`ApiKey.user`)
with the key's role and municipalities, so `ombud/access.py` decides what a key may see and do
exactly as for a person of that role.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from ombud.models import ApiKey, AuditLog, Municipality, Role
from ombud.services import _check_role, audit_log

if TYPE_CHECKING:
    from ombud.models import User

KEY_PREFIX = "modig_"
# Roles a key may have. An ombud's scope is their own staff record and sessions: not a system's.
KEY_ROLES = (Role.PROGRAMME_LEADER, Role.LOCAL_LEADER, Role.COORDINATOR)
# `last_used_at` is written at most this often per key, not on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)

API_KEY_NAME_REQUIRED = _("Ge nyckeln ett namn, till exempel systemets namn.")
API_KEY_ROLE = _("En API-nyckel kan ha rollen programledare, lokal projektledare eller samordnare.")
API_KEY_ALREADY_REVOKED = _("Nyckeln är redan återkallad.")


def key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_key_create(
    *, name: str, role: str, municipalities: Iterable[Municipality] = (), by: User | None
) -> tuple[ApiKey, str]:
    """A new key and its text, which is shown once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(API_KEY_NAME_REQUIRED)
    if role not in KEY_ROLES:
        raise ValidationError(API_KEY_ROLE)
    municipalities = _check_role(role, municipalities, None)
    prefix = secrets.token_hex(4)
    while ApiKey.objects.filter(prefix=prefix).exists():  # pragma: no cover - 1 in 4 billion
        prefix = secrets.token_hex(4)
    raw = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    account = get_user_model()(username=f"api-{prefix}", first_name=name[:150], role=role)
    account.set_unusable_password()  # a key's account never signs in to the pages
    account.full_clean()
    account.save()
    account.municipalities.set(municipalities)
    key = ApiKey.objects.create(
        name=name, prefix=prefix, key_hash=key_hash(raw), user=account, created_by=by if by else None
    )
    audit_log(
        user=by,
        action=AuditLog.Action.CHANGE,
        what=_g("Skapade API-nyckeln %(name)s (%(prefix)s, %(role)s)")
        % {"name": name, "prefix": prefix, "role": role},
    )
    return key, raw


@transaction.atomic
def api_key_revoke(*, key: ApiKey, by: User | None) -> ApiKey:
    if key.revoked_at is not None:
        raise ValidationError(API_KEY_ALREADY_REVOKED)
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    key.user.is_active = False
    key.user.save(update_fields=["is_active"])
    audit_log(
        user=by,
        action=AuditLog.Action.CHANGE,
        what=_g("Återkallade API-nyckeln %(name)s (%(prefix)s)") % {"name": key.name, "prefix": key.prefix},
    )
    return key


def api_key_authenticate(raw: str) -> ApiKey | None:
    """The active key with this text, or None (unknown, revoked, or its account turned off)."""
    if not raw.startswith(KEY_PREFIX) or len(raw) > 200:
        return None
    key = (
        ApiKey.objects.select_related("user")
        .filter(key_hash=key_hash(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if key is None:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
