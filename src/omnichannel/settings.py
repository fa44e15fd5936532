"""Django settings, read from the environment (12-factor).

Every variable is documented in the README's Configuration section. Defaults give a
zero-setup service: SQLite (WAL) and Huey on SQLite under ``./var/``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import dj_database_url


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


VAR_DIR = Path(os.environ.get("OMNI_VAR_DIR", Path.cwd() / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-secret-key-change-me")
# Fernet key (urlsafe base64, 32 bytes) for secrets at rest; derived from SECRET_KEY when unset.
OMNI_ENCRYPTION_KEY = os.environ.get("OMNI_ENCRYPTION_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list(
    "CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000"
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "huey.contrib.djhuey",
    "omnichannel.tenants",
    "omnichannel.catalog",
    "omnichannel.inventory",
    "omnichannel.channels",
    "omnichannel.orders",
    "omnichannel.fulfillment",
    "omnichannel.notifications",
    "omnichannel.api",
]

MIDDLEWARE = [
    "omnichannel.api.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "omnichannel.api.middleware.IdempotencyMiddleware",
]

ROOT_URLCONF = "omnichannel.urls"
WSGI_APPLICATION = "omnichannel.wsgi.application"
ASGI_APPLICATION = "omnichannel.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'omnichannel.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue on a lock file rather than in SQLite's sleeping busy handler.
    DATABASES["default"]["ENGINE"] = "omnichannel.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue instead of
        # failing with "database is locked" on lock upgrade.
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
            "PRAGMA busy_timeout=30000;PRAGMA foreign_keys=ON;"
        ),
    }
    # A file, not memory, so threads in tests share it; one per process so runs don't collide.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
else:
    # Parameters travel apart from the statement (psycopg's server-side binding): no
    # quoting of every value into the text on our side, and a statement a connection runs
    # again is prepared (parse and analysis saved, and once PostgreSQL finds a generic plan
    # no dearer, planning too). A batch's statement of many parameters is not prepared, so
    # it is planned for its values (omnichannel/postgres/base.py). OMNI_PG_PREPARE=0 turns
    # preparing off (a pooler in transaction mode cannot keep prepared statements);
    # parameters stay bound server-side.
    DATABASES["default"]["ENGINE"] = "omnichannel.postgres"
    prepare = env_bool("OMNI_PG_PREPARE", True)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True,
        prepare_threshold=2 if prepare else None,
    )
    # The write paths send their statements in a psycopg pipeline (decision 0015);
    # OMNI_PG_PIPELINE=0 sends them one at a time, as before, should a proxy in between
    # mishandle pipelined messages.
    OMNI_PG_PIPELINE = env_bool("OMNI_PG_PIPELINE", True)
    # One test database per process on a server too: two runs on one machine (a developer's
    # and CI's) would otherwise drop each other's ``test_<name>`` mid-run.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def huey_settings() -> dict:
    """Huey on SQLite next to the database by default; Redis for many machines."""
    url = os.environ.get("HUEY_URL", "")
    default_storage = "sqlite"
    if url.startswith("redis"):
        default_storage = "redis"
    elif url.startswith("postgres"):
        default_storage = "postgres"
    storage = os.environ.get("HUEY_STORAGE", default_storage)
    common = {
        "name": os.environ.get("HUEY_NAME", "omnichannel"),
        "immediate": env_bool("HUEY_IMMEDIATE", False),
        "utc": True,
        "consumer": {
            "workers": int(os.environ.get("HUEY_WORKERS", "4")),
            "worker_type": "thread",
            # An idle consumer backs off polling up to this many seconds; Huey's 10 s default
            # would let the first stock change after a quiet spell wait that long.
            "max_delay": float(os.environ.get("HUEY_MAX_DELAY", "0.25")),
        },
    }
    if storage == "redis":
        return {
            **common,
            "huey_class": "huey.PriorityRedisHuey",
            "url": url or "redis://127.0.0.1:6379/0",
        }
    if storage == "postgres":
        return {**common, "huey_class": "huey.PostgresHuey", "dsn": url or DATABASE_URL}
    if storage == "memory":
        return {**common, "huey_class": "huey.MemoryHuey"}
    path = url.removeprefix("sqlite:///") if url else str(VAR_DIR / "huey.sqlite3")
    return {**common, "huey_class": "omnichannel.sqlite.jobs.QueueHuey", "filename": path}


HUEY = huey_settings()

REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

AUTH_PASSWORD_VALIDATORS: list[dict] = []
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files from the installed apps without a collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

# Unified API: requests per minute per API client (0 disables throttling).
OMNI_API_RATE_PER_MINUTE = int(os.environ.get("OMNI_API_RATE_PER_MINUTE", "1200"))
# Outbound calls per second per connection and family, by channel, over the defaults in
# channels/transport.py; JSON, e.g. {"shopee": {"stock": 20, "orders": 20}}.
OMNI_CHANNEL_RATES: dict[str, dict[str, float]] = json.loads(
    os.environ.get("OMNI_CHANNEL_RATES") or "{}"
)
OMNI_WEBHOOK_TIMEOUT = float(os.environ.get("OMNI_WEBHOOK_TIMEOUT", "10"))
# This service's address as channels reach it (push signatures cover the full URL; set it
# when a proxy changes the scheme or host), e.g. https://omni.example.com
OMNI_PUBLIC_URL = os.environ.get("OMNI_PUBLIC_URL", "")
OMNI_PAGE_SIZE_DEFAULT = 50
OMNI_PAGE_SIZE_MAX = 500

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "omnichannel.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
        # Our request log already records every 4xx; keep Django's for server errors only.
        "django.request": {"level": "ERROR"},
        # httpx logs full URLs, and channel APIs carry tokens and signatures in the query
        # string; every outbound call is recorded, redacted, in ApiCallLog instead.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # Own handler: run_huey adds its plain-text handler only to a logger that has none.
        "huey": {
            "level": "WARNING" if not DEBUG else "INFO",
            "handlers": ["console"],
            "propagate": False,
        },
    },
}
