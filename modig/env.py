"""Small typed readers for environment variables.

Every setting of the portal comes from the environment (design.md, "Running it"). A missing or
malformed value stops start-up with one line that names the variable, never a stack of Django
internals: `manage.py` and the WSGI entry point print `EnvError` alone.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from dj_database_url import DBConfig

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on", "ja"}
FALSE = {"0", "false", "no", "off", "nej", ""}


class EnvError(ImproperlyConfigured):
    """A bad environment variable; the message names it."""


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        if default is None:
            raise EnvError(f"Miljövariabeln {name} måste vara satt.")
        return default
    return value.strip()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    v = value.strip().lower()
    if v in TRUE:
        return True
    if v in FALSE:
        return False
    raise EnvError(f"Miljövariabeln {name} har värdet {value!r}; ange true eller false.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value.strip())
    except ValueError:
        raise EnvError(f"Miljövariabeln {name} har värdet {value!r}; ange ett heltal.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url(name: str, default: str | None, schemes: set[str]) -> str | None:
    """A URL whose scheme is one of `schemes`; unset (and no default) gives None."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    value = value.strip()
    scheme = urlsplit(value).scheme
    if scheme not in schemes:
        allowed = ", ".join(sorted(schemes))
        raise EnvError(
            f"Miljövariabeln {name} har ett okänt format ({value.split('://')[0]!r}); börja med {allowed}://"
        )
    return value


def database_config(name: str, default: str) -> DBConfig:
    import dj_database_url

    value = env_str(name, default)
    try:
        config = dj_database_url.parse(value, conn_max_age=60, conn_health_checks=True)
    except (ValueError, KeyError) as exc:
        raise EnvError(f"Miljövariabeln {name} kan inte tolkas: {exc}") from None
    engine = config.get("ENGINE", "")
    if engine.endswith("sqlite3"):
        config["CONN_MAX_AGE"] = 0
        # IMMEDIATE transactions avoid "database is locked" when the embedded server writes
        # from several threads; WAL lets readers go on while one writes.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    elif not engine.endswith("postgresql"):
        raise EnvError(f"Miljövariabeln {name} måste peka på PostgreSQL eller SQLite.")
    return config


def email_config(name: str, default: str) -> dict[str, object]:
    """EMAIL_URL: smtp://user:pass@host:587 (STARTTLS), smtps://… (TLS), console:, locmem:."""
    value = env_str(name, default)
    parts = urlsplit(value)
    scheme = parts.scheme
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "locmem":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme in {"smtp", "smtps"}:
        try:
            port = parts.port or (465 if scheme == "smtps" else 587)
        except ValueError:
            raise EnvError(f"Miljövariabeln {name} har en ogiltig port.") from None
        if not parts.hostname:
            raise EnvError(f"Miljövariabeln {name} saknar värdnamn (smtp://användare:lösen@värd:587).")
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parts.hostname,
            "EMAIL_PORT": port,
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_TLS": scheme == "smtp" and port != 25,
            "EMAIL_USE_SSL": scheme == "smtps",
        }
    raise EnvError(f"Miljövariabeln {name} ska börja med smtp://, smtps://, console: eller locmem:.")


def embedded_secret_key(path: Path) -> str:
    """The embedded mode's SECRET_KEY: read from `path`, or made (random, 64 characters) and
    written there readable by the owner only. Two processes starting at once agree on one key."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_text().strip()
    except OSError as exc:
        raise EnvError(
            f"Miljövariabeln SECRET_KEY är inte satt och {path} kan inte skapas ({exc.strerror})."
        ) from None
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
    return key
