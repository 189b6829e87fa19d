"""SafeCity settings: the one place every knob is read, always from the environment.

The README's "Configuration" table documents each variable; keep the two in step.
"""

from __future__ import annotations

import contextlib
import importlib.util
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from safecity.core.env import (
    env_bool,
    env_choice,
    env_duplicate_rules,
    env_int,
    env_list,
    env_path,
    env_rate,
    env_str,
    env_url,
)

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent.parent

SAFECITY_ENV = env_choice("SAFECITY_ENV", "development", ["development", "production"])
PRODUCTION = SAFECITY_ENV == "production"

DATA_DIR = env_path("SAFECITY_DATA_DIR", Path.cwd() / "var")

_secret = env_str("SECRET_KEY", required=PRODUCTION)
if _secret is None:
    # Development only: a stable per-data-directory key so sessions survive restarts.
    _key_file = DATA_DIR / "secret_key"
    if _key_file.exists():
        _secret = _key_file.read_text(encoding="utf-8").strip()
    else:
        import secrets

        _secret = secrets.token_urlsafe(50)
        try:
            DATA_DIR.mkdir(parents=True, exist_ok=True)
            _key_file.write_text(_secret, encoding="utf-8")
            _key_file.chmod(0o600)
        except OSError:
            pass
elif PRODUCTION and len(_secret) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters in production.")
SECRET_KEY = _secret

DEBUG = env_bool("SAFECITY_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("SAFECITY_DEBUG cannot be on when SAFECITY_ENV=production.")

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "safecity.core",
    "safecity.accounts",
    "safecity.geography",
    "safecity.records",
    "safecity.incidents",
    "safecity.alerts",
    "safecity.dispatch",
    "safecity.cameras",
    "safecity.map",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "safecity.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "safecity.core.middleware.ApiErrorMiddleware",
    "safecity.core.middleware.NulCharacterGuard",
    "safecity.core.middleware.PageErrorMiddleware",
]

ROOT_URLCONF = "safecity.urls"
ASGI_APPLICATION = "safecity.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "safecity.core.context_processors.safecity",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# The embedded default is one SQLite file in WAL mode. IMMEDIATE transactions take the write
# lock when a transaction starts, so two concurrent writers queue (for up to busy_timeout)
# instead of one failing with "database is locked" half-way through. The engine is Django's
# with one change (safecity/core/sqlite/base.py): writers of one process queue on a lock in the
# process rather than in SQLite's sleep-and-retry busy handler. Connections persist on the
# server's request threads (core/asgi_handler.py), checked before reuse.
_SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=NORMAL;"
        "PRAGMA foreign_keys=ON;"
        "PRAGMA busy_timeout=20000;"
    ),
}
DATABASE_URL = env_url("DATABASE_URL", None, ["sqlite", "postgres", "postgresql", "pgsql"])
if DATABASE_URL is None:
    _default_db: dict[str, object] = {
        "ENGINE": "safecity.core.sqlite",
        "NAME": DATA_DIR / "safecity.sqlite3",
        "OPTIONS": dict(_SQLITE_OPTIONS),
        "CONN_MAX_AGE": None,
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"NAME": DATA_DIR / "test-safecity.sqlite3"},
    }
else:
    _default_db = dict(dj_database_url.parse(DATABASE_URL, conn_max_age=None))
    _default_db["CONN_HEALTH_CHECKS"] = True
    if _default_db["ENGINE"] == "django.db.backends.sqlite3":
        _default_db["ENGINE"] = "safecity.core.sqlite"
        _default_db["OPTIONS"] = dict(_SQLITE_OPTIONS)
DATABASES = {"default": _default_db}

# Threads that run requests' (synchronous) Django code; each keeps its database connection.
# More threads let slow requests overlap; on PostgreSQL each holds one connection.
HTTP_THREADS = env_int("SAFECITY_HTTP_THREADS", 8, minimum=1, maximum=256)
# Objects allocated (less freed) before Python's collector looks at the young ones. Its default,
# 700, ran a pass every few reads of a plate batch (7 % of their time). At 10,000 the plate
# feed still spent 1.2-2 µs a read in passes (90 young and 8 older passes for 300,000 reads,
# walking each batch's rows again as they aged); at 100,000, 0.5-1.3 µs and 7 passes, and
# 3-15 % more reads a second side by side (7 % in the round that ran 100,000 itself). A pass
# then takes about 20 ms, a few times a second at most under a full feed; the memory is some
# tens of MB.
GC_YOUNG = env_int("SAFECITY_GC_YOUNG", 100_000, minimum=100, maximum=1_000_000)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Live updates and cache -----------------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", None, ["redis", "rediss", "unix"])
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": "safecity", "capacity": 1000},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "safecity",
        }
    }
else:
    # One process: the in-memory layer, lightened for many consoles (core/channels_layer.py).
    # A console's queue holds up to 1,000 undelivered events before new ones are dropped.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "safecity.core.channels_layer.InMemoryChannelLayer",
            "CONFIG": {"capacity": 1000},
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background jobs ------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env_choice(
            "SAFECITY_TASK_BACKEND",
            "django_tasks_db.DatabaseBackend",
            ["django_tasks_db.DatabaseBackend", "django_tasks.backends.immediate.ImmediateBackend"],
        ),
    }
}

# --- Accounts and security ------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "ops:home"
LOGOUT_REDIRECT_URL = "public:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SAFECITY_MFA_REQUIRED = env_bool("SAFECITY_MFA_REQUIRED", PRODUCTION)
SAFECITY_LOGIN_MAX_FAILURES = env_int("SAFECITY_LOGIN_MAX_FAILURES", 5, minimum=1, maximum=100)
SAFECITY_LOGIN_LOCK_MINUTES = env_int("SAFECITY_LOGIN_LOCK_MINUTES", 15, minimum=1)
SAFECITY_TOKEN_DAYS = env_int("SAFECITY_TOKEN_DAYS", 90, minimum=1, maximum=3650)
SAFECITY_DEMO_PASSWORD = env_str("SAFECITY_DEMO_PASSWORD", "safecity-demo")
SAFECITY_PROVINCE_CODE = env_int("SAFECITY_PROVINCE_CODE", 79, minimum=1, maximum=99)
SAFECITY_API_RATE_ANON = env_rate("SAFECITY_API_RATE_ANON", "60/m")
SAFECITY_API_RATE_USER = env_rate("SAFECITY_API_RATE_USER", "1200/m")
SAFECITY_RATELIMIT_ENABLED = env_bool("SAFECITY_RATELIMIT_ENABLED", True)
# Map tiles, e.g. an intranet tile server "https://tiles.ca.local/{z}/{x}/{y}.png". Empty: maps
# draw the ward boundaries as their background, so they work with no tile server at all.
SAFECITY_MAP_TILE_URL = env_str("SAFECITY_MAP_TILE_URL", "") or ""
SAFECITY_MAP_ATTRIBUTION = env_str("SAFECITY_MAP_ATTRIBUTION", "") or ""

# --- Reports and incidents ------------------------------------------------------------------
SAFECITY_REPORT_RATE_IP = env_rate("SAFECITY_REPORT_RATE_IP", "20/m")
SAFECITY_REPORT_RATE_PHONE = env_rate("SAFECITY_REPORT_RATE_PHONE", "10/h")
SAFECITY_MEDIA_PHOTO_MAX_MB = env_int("SAFECITY_MEDIA_PHOTO_MAX_MB", 10, minimum=1, maximum=100)
SAFECITY_MEDIA_VIDEO_MAX_MB = env_int("SAFECITY_MEDIA_VIDEO_MAX_MB", 50, minimum=1, maximum=1000)
# A new report joins an open incident of the same category within this distance (metres)
# and time since that incident's last report (minutes): "category=metres/minutes,...".
SAFECITY_DUPLICATE_RULES = env_duplicate_rules(
    "SAFECITY_DUPLICATE_RULES",
    "fire=300/60,traffic_accident=150/30,security=100/30,rescue=200/60,medical=100/30,other=50/30",
)
# Reports sent through the API while another is being stored are stored together, up to this
# many in one transaction (incidents/intake.py); 1 stores each on its own.
SAFECITY_INTAKE_BATCH = env_int("SAFECITY_INTAKE_BATCH", 32, minimum=1, maximum=500)

# --- Integrated database: records search, import, duplicates (safecity/records) ---------------
# Results a search answers with (the API's `limit` may ask for up to 100).
SAFECITY_RECORDS_SEARCH_LIMIT = env_int("SAFECITY_RECORDS_SEARCH_LIMIT", 20, minimum=1, maximum=100)
# Rows per import batch; each batch is one transaction (a batch never half-applies).
SAFECITY_RECORDS_IMPORT_BATCH = env_int(
    "SAFECITY_RECORDS_IMPORT_BATCH", 2000, minimum=1, maximum=50000
)
# Duplicate finding skips blocks larger than this (e.g. 80 namesakes born the same year).
SAFECITY_RECORDS_BLOCK_MAX = env_int("SAFECITY_RECORDS_BLOCK_MAX", 50, minimum=2, maximum=10000)
# PostgreSQL only: the pg_trgm similarity (percent) a name needs to count as a near match.
SAFECITY_RECORDS_TRGM_PERCENT = env_int(
    "SAFECITY_RECORDS_TRGM_PERCENT", 50, minimum=10, maximum=100
)

# --- Dispatch: patrol units, timers, positions, recommendations (safecity/dispatch) ------------
# Parsed by safecity/dispatch/conf.py, which explains each format; a bad value stops start-up.
from safecity.dispatch import conf as _dispatch_conf  # noqa: E402 - plain parsers, no models

# Status model: "status=next|next;..." replaces those statuses' rows of the default table.
SAFECITY_DISPATCH_TRANSITIONS = _dispatch_conf.parse_transitions(
    "SAFECITY_DISPATCH_TRANSITIONS", env_str("SAFECITY_DISPATCH_TRANSITIONS", "")
)
# Timer thresholds per priority, seconds: "1=unassigned/dispatched/en_route,2=...".
SAFECITY_DISPATCH_TIMERS = _dispatch_conf.parse_timers(
    "SAFECITY_DISPATCH_TIMERS",
    env_str("SAFECITY_DISPATCH_TIMERS", _dispatch_conf.DEFAULT_TIMERS) or "",
)
# A timer turns amber at this share (percent) of its threshold, red (overdue) at 100 %.
SAFECITY_DISPATCH_TIMER_AMBER_PERCENT = env_int(
    "SAFECITY_DISPATCH_TIMER_AMBER_PERCENT", 75, minimum=1, maximum=99
)
# How often `safecity dispatch timers` checks the timers (seconds).
SAFECITY_DISPATCH_TIMER_TICK = env_int("SAFECITY_DISPATCH_TIMER_TICK", 5, minimum=1, maximum=300)
# `safecity serve` runs that check in its own process too (a unique row per timer keeps the
# overdue event single with several processes); false leaves it to `safecity dispatch timers`.
SAFECITY_DISPATCH_TIMERS_IN_SERVER = env_bool("SAFECITY_DISPATCH_TIMERS_IN_SERVER", True)
# ETA: straight-line distance x road factor at a speed per unit kind ("kind=m/s,...").
SAFECITY_DISPATCH_ROUTER = env_str(
    "SAFECITY_DISPATCH_ROUTER", "safecity.dispatch.routing.StraightLineRouter"
)
SAFECITY_DISPATCH_ROAD_FACTOR = _dispatch_conf.parse_float(
    "SAFECITY_DISPATCH_ROAD_FACTOR",
    env_str("SAFECITY_DISPATCH_ROAD_FACTOR", _dispatch_conf.DEFAULT_ROAD_FACTOR) or "",
    minimum=1.0,
    maximum=5.0,
)
SAFECITY_DISPATCH_SPEEDS = _dispatch_conf.parse_speeds(
    "SAFECITY_DISPATCH_SPEEDS",
    env_str("SAFECITY_DISPATCH_SPEEDS", _dispatch_conf.DEFAULT_SPEEDS) or "",
)
# Unit kinds suited to each incident category, best first: "category=kind|kind;...".
SAFECITY_DISPATCH_KINDS = _dispatch_conf.parse_kinds(
    "SAFECITY_DISPATCH_KINDS", env_str("SAFECITY_DISPATCH_KINDS", "") or ""
)
# Positions (AVL): history kept this many days; a fix is refused when it is more than
# MAX_FUTURE seconds ahead of the server's clock, more than MAX_LAG seconds older than the
# unit's latest accepted fix, or implies a speed above MAX_SPEED m/s.
SAFECITY_POSITION_RETENTION_DAYS = env_int(
    "SAFECITY_POSITION_RETENTION_DAYS", 30, minimum=1, maximum=3650
)
SAFECITY_POSITION_MAX_FUTURE = env_int("SAFECITY_POSITION_MAX_FUTURE", 30, minimum=0)
SAFECITY_POSITION_MAX_LAG = env_int("SAFECITY_POSITION_MAX_LAG", 600, minimum=0)
SAFECITY_POSITION_MAX_SPEED = env_int("SAFECITY_POSITION_MAX_SPEED", 70, minimum=1, maximum=1000)

# --- Cameras: plate reads, watchlists, hits (safecity/cameras) ------------------------------
# A read is refused when its time is more than MAX_FUTURE seconds ahead of the server's clock
# or more than MAX_AGE seconds behind it (a camera that was offline may send a late batch).
SAFECITY_CAMERAS_READ_MAX_FUTURE = env_int(
    "SAFECITY_CAMERAS_READ_MAX_FUTURE", 120, minimum=0, maximum=86400
)
SAFECITY_CAMERAS_READ_MAX_AGE = env_int(
    "SAFECITY_CAMERAS_READ_MAX_AGE", 7 * 86400, minimum=60, maximum=366 * 86400
)
# A hit on the same listed plate by the same camera within this many minutes of an alerted one
# is kept as a sighting but not alerted again.
SAFECITY_CAMERAS_REPEAT_MINUTES = env_int(
    "SAFECITY_CAMERAS_REPEAT_MINUTES", 5, minimum=0, maximum=1440
)
# A camera with no read and no heartbeat for this many seconds is offline (one alert).
SAFECITY_CAMERAS_OFFLINE_SECONDS = env_int(
    "SAFECITY_CAMERAS_OFFLINE_SECONDS", 600, minimum=30, maximum=7 * 86400
)
# Reads that matched nothing are purged after this many days; hits' reads stay.
SAFECITY_CAMERAS_READ_RETENTION_DAYS = env_int(
    "SAFECITY_CAMERAS_READ_RETENTION_DAYS", 30, minimum=1, maximum=3650
)
# Requests per camera device key to the camera routes (reads, images, heartbeat), instead of
# the officers' SAFECITY_API_RATE_USER: a busy camera posts several batches a second.
SAFECITY_CAMERAS_DEVICE_RATE = env_rate("SAFECITY_CAMERAS_DEVICE_RATE", "100/s")
# Largest snapshot accepted for a read (JPEG or PNG).
SAFECITY_CAMERAS_IMAGE_MAX_KB = env_int(
    "SAFECITY_CAMERAS_IMAGE_MAX_KB", 1024, minimum=16, maximum=20480
)

# --- The digital map and response-time statistics (safecity/map) ------------------------------
# Ward boundaries on the map are simplified to this tolerance in metres (0: drawn exactly).
SAFECITY_MAP_WARD_SIMPLIFY_M = env_int("SAFECITY_MAP_WARD_SIMPLIFY_M", 30, minimum=0, maximum=500)
# Hotspots: incidents counted per H3 cell of this resolution (7 ≈ 5 km², 8 ≈ 0.7 km², 9 ≈
# 0.1 km²) over the last N days, unless the officer picks another period or cell size.
SAFECITY_HOTSPOT_RESOLUTION = env_int("SAFECITY_HOTSPOT_RESOLUTION", 8, minimum=5, maximum=10)
SAFECITY_HOTSPOT_DAYS = env_int("SAFECITY_HOTSPOT_DAYS", 30, minimum=1, maximum=366)
# Statistics: the default period (days, today included) and the processing target: the share
# of incidents whose first unit is dispatched within this many seconds (NFPA 1225: 90 % in 60 s).
SAFECITY_STATS_DAYS = env_int("SAFECITY_STATS_DAYS", 7, minimum=1, maximum=366)
SAFECITY_STATS_PROCESSING_SECONDS = env_int(
    "SAFECITY_STATS_PROCESSING_SECONDS", 60, minimum=1, maximum=3600
)

# --- Public warnings (CAP 1.2) --------------------------------------------------------------
# The CAP <sender> of every published warning: no spaces, commas, "<" or "&" (CAP 1.2 §3.2.1);
# a message that breaks this is refused at publish time.
SAFECITY_CAP_SENDER = env_str("SAFECITY_CAP_SENDER", "canhbao@congan.hochiminh.gov.vn")

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
OTP_TOTP_ISSUER = "SafeCity"

_https = env_bool("SAFECITY_HTTPS", PRODUCTION)
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_SSL_REDIRECT = _https
SECURE_HSTS_SECONDS = env_int("SAFECITY_HSTS_SECONDS", 31536000 if _https else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _https
SECURE_HSTS_PRELOAD = _https
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
if env_bool("SAFECITY_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SAFECITY_SESSION_HOURS", 12, minimum=1) * 3600
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Languages and time ---------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "safecity_language"
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# WhiteNoise serves from the app's finders too (no collectstatic needed to run), but warns
# when STATIC_ROOT is missing; ``collectstatic`` fills it for production.
with contextlib.suppress(OSError):
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Leaflet (and Leaflet.draw) come from the django-leaflet wheel's static folder. The app itself
# is not installed: it pulls in GeoDjango, which needs GDAL, and SafeCity needs neither.
_leaflet_spec = importlib.util.find_spec("leaflet")
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
if _leaflet_spec and _leaflet_spec.submodule_search_locations:
    STATICFILES_DIRS.append(Path(list(_leaflet_spec.submodule_search_locations)[0]) / "static")
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"
NOTIFY_OUTBOX = DATA_DIR / "outbox"

# --- Notifications --------------------------------------------------------------------------
SAFECITY_NOTIFY_BACKENDS = {
    "sms": env_str("SAFECITY_SMS_BACKEND", "safecity.core.notify.FileBackend"),
    "email": env_str("SAFECITY_EMAIL_BACKEND", "safecity.core.notify.FileBackend"),
    "push": env_str("SAFECITY_PUSH_BACKEND", "safecity.core.notify.FileBackend"),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice("SAFECITY_LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR"]),
    },
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
