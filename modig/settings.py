"""Settings of the Modig portal, read from the environment only.

Without any variable set, the portal runs in its *embedded* mode: SQLite file in the project,
Celery tasks executed eagerly in the web process, DEBUG off (the portal's own Swedish error pages;
`make dev` sets DEBUG=true), static files served by whitenoise from the source folders, a random
SECRET_KEY kept in `.secret_key`, served on 127.0.0.1. Production sets
DEBUG=false, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis);
see .env.example and docker-compose.yml.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from csp.constants import NONE, SELF

from modig.env import (
    EnvError,
    database_config,
    email_config,
    embedded_secret_key,
    env_bool,
    env_int,
    env_list,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DATABASES = {"default": database_config("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# The embedded mode is the SQLite one (`make run`); a server setup has PostgreSQL.
EMBEDDED = DATABASES["default"]["ENGINE"].endswith("sqlite3")

# Off unless asked for (`make dev`): users never see Django's English debug pages (issue 11).
DEBUG = env_bool("DEBUG", False)
if os.environ.get("SECRET_KEY", "").strip():
    SECRET_KEY = env_str("SECRET_KEY")
    if not DEBUG and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure")):
        raise EnvError("Miljövariabeln SECRET_KEY är för kort: använd minst 50 slumpade tecken.")
elif EMBEDDED or DEBUG:
    # A random key made on first start and kept in a private file beside the project (never in
    # the repository), so sessions survive a restart and no two installations share a key.
    SECRET_KEY = embedded_secret_key(BASE_DIR / ".secret_key")
else:
    SECRET_KEY = env_str("SECRET_KEY")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "csp",
    "axes",
    "ombud",
    "kurser",
    "rapporter",
    "enkater",  # outcomes (issue 12): imports ombud and kurser; only rapporter imports it
    # The JSON API (issue 13): on top of the three apps; none of them imports it. DRF itself is
    # deliberately not an installed app: it needs none of its templates or models here (JSON
    # only), and its translation catalogue would override Django's own form messages on every
    # page ("Detta fält måste fyllas i." became "Det här fältet är obligatoriskt.").
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Pages of logged-in users and file downloads: Cache-Control private, no-store.
    "modig.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # axes must come last: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "modig.urls"
WSGI_APPLICATION = "modig.wsgi.application"
ASGI_APPLICATION = "modig.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "modig.context.portal",
            ],
        },
    },
]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- accounts ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "ombud.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# A path, not a URL name, so tools that read the setting can use it as it is.
LOGIN_URL = "/konto/login/"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Five failed logins for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Behind a reverse proxy: how many proxies append to X-Forwarded-For (0: none, the header is
# ignored). The lockout and every throttle read the client's address through one function.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
CLIENT_IP_CALLABLE = "modig.net.client_ip"
AXES_CLIENT_IP_CALLABLE = CLIENT_IP_CALLABLE
SESSION_COOKIE_AGE = 60 * 60 * 10  # a working day on the tablet
# A participant's personal survey link (enkater.links, no account) works this many days.
SURVEY_LINK_MAX_AGE_DAYS = env_int("SURVEY_LINK_MAX_AGE_DAYS", 60)

# --- language, time, numbers ------------------------------------------------------------------
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", "Svenska"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

# --- static and media files -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not (DEBUG or EMBEDDED)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# The embedded mode has no collectstatic step: whitenoise serves the files from the apps' and
# the project's static folders (runserver itself serves nothing with DEBUG off).
WHITENOISE_USE_FINDERS = DEBUG or EMBEDDED
# Uploads (staff lists, attendance files) larger than this are refused with a message.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 50 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- e-mail -----------------------------------------------------------------------------------
globals().update(email_config("EMAIL_URL", "console:"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Modig-portalen <noreply@localhost>")
# notify: links in e-mail notifications start with this address (the portal as users reach it).
PORTAL_URL = env_str("PORTAL_URL", "http://127.0.0.1:8000")

# --- forms and UI -----------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Content Security Policy: no inline script or style anywhere (charts use SVG attributes).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- security (production values when DEBUG is off) -------------------------------------------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# The embedded mode answers on http://127.0.0.1 with DEBUG off: no HTTPS redirect there.
if not (DEBUG or EMBEDDED):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Celery -----------------------------------------------------------------------------------
CELERY_BROKER_URL = env_url("CELERY_BROKER_URL", None, {"redis", "rediss", "amqp", "amqps"})
CELERY_RESULT_BACKEND = env_url("CELERY_RESULT_BACKEND", CELERY_BROKER_URL, {"redis", "rediss", "rpc"})
# No broker: run tasks in the calling process (the embedded mode). The in-memory transport keeps
# kombu from looking for a broker on localhost.
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
if CELERY_BROKER_URL is None:
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TIMEZONE = TIME_ZONE
# Reliability: a task is acknowledged only after it ran; a worker killed mid-task gives the task
# back to the queue; each worker takes one task at a time; WeasyPrint's memory is returned by
# recycling the child process after a number of tasks.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_TASKS_PER_CHILD = env_int("CELERY_WORKER_MAX_TASKS_PER_CHILD", 20)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", 800_000)  # KiB
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 300)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 360)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers an unacknowledged task after this; longer than the hard time limit.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_TRACK_STARTED = True
# A rendering worker beats every REPORT_HEARTBEAT_SECONDS; one silent for REPORT_HEARTBEAT_TIMEOUT
# is dead and the sweeper fails its report; a report queued for REPORT_QUEUED_TIMEOUT was lost.
REPORT_HEARTBEAT_SECONDS = env_int("REPORT_HEARTBEAT_SECONDS", 10)
REPORT_HEARTBEAT_TIMEOUT = env_int("REPORT_HEARTBEAT_TIMEOUT", 120)
REPORT_QUEUED_TIMEOUT = env_int("REPORT_QUEUED_TIMEOUT", 3600)
# Without a broker, reports render in a thread of the web process after the request has answered
# (the list shows their progress); commands wait for them either way.
REPORT_EAGER_IN_BACKGROUND = env_bool("REPORT_EAGER_IN_BACKGROUND", True)
# certs (issue 14): monthly certificates above this many participants (pages) render in chunks of
# this size, one Celery task each, joined by the last (rapporter/chunks.py).
REPORT_CHUNK_PAGES = env_int("REPORT_CHUNK_PAGES", 250)
CELERY_BEAT_SCHEDULE = {
    # Retention sweep (GDPR): list what is due, every night.
    "retention-sweep": {
        "task": "ombud.tasks.retention_sweep",
        "schedule": crontab(hour=2, minute=30),
    },
    # Reports whose worker died (killed, out of memory) are failed so users can retry them.
    "report-sweep": {
        "task": "rapporter.tasks.report_sweep",
        "schedule": 60.0,
    },
    # Monthly attendance certificates for the month that just ended.
    "monthly-certificates": {
        "task": "rapporter.tasks.monthly_certificates",
        "schedule": crontab(day_of_month=1, hour=5, minute=0),
    },
    # notify: e-mail about tomorrow's sessions, and each local leader's approval digest.
    "session-reminders": {
        "task": "kurser.tasks.session_reminders",
        "schedule": crontab(hour=16, minute=0),
    },
    "approval-digests": {
        "task": "kurser.tasks.approval_digests",
        "schedule": crontab(hour=7, minute=0),
    },
}

# --- cache ------------------------------------------------------------------------------------
# Shared by every process: Redis when the broker is Redis (production), else files in the project
# (the embedded mode, where commands and the web server are separate processes).
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            # Redis down is a cache miss (logged), never a failed request: see modig/cache.py.
            "BACKEND": "modig.cache.DegradingRedisCache",
            "LOCATION": env_url("CACHE_URL", CELERY_BROKER_URL, {"redis", "rediss"}),
            "KEY_PREFIX": "modig",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(BASE_DIR / ".cache"),
        }
    }

# --- logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
        # In the embedded (eager) mode every task would log a line into commands' output.
        "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"},
    },
}


# --- JSON API (issue 13): /api/v1/, keys only (ombud.apikeys), documented by drf-spectacular ----
API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", "600/min")  # per key
if not re.fullmatch(r"[1-9]\d*/(s|sec|second|m|min|minute|h|hour|d|day)", API_THROTTLE_RATE):
    raise EnvError(
        "Miljövariabeln API_THROTTLE_RATE ska vara till exempel 600/min (per sec, min, hour eller day)."
    )
REST_FRAMEWORK = {
    # A key, never the browser session: the API is for systems, and a session cookie would make
    # every write a CSRF question. People signed in to the pages get 401 here like anyone else.
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.KeysetPagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.api_exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Modig API",
    "DESCRIPTION": "Programmes, municipalities, workplaces, people, courses, sessions, attendance "
    "and the ESF summary of the Modig portal. Authenticate with `Authorization: Bearer <key>`; "
    "a key sees what a user of its role and municipalities sees.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its documentation page are public: they describe, they hold no data.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Swagger UI and its assets from the installed sidecar package, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
