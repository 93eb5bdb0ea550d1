"""Settings for Fangkong: one module, driven by environment variables.

Every knob a deployment turns is an environment variable with a safe default for a
laptop; see docs/operations.md for the list.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("FANGKONG_HOME", BASE_DIR.parent.parent)).resolve()
VAR_DIR = Path(os.environ.get("FANGKONG_VAR_DIR", PROJECT_DIR / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """A key from the environment, else one generated once and kept under var/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        import secrets

        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "fangkong.core",
    "fangkong.accounts",
    "fangkong.registry",
    "fangkong.riskareas",
    "fangkong.screening",
    "fangkong.pushlists",
    "fangkong.arrivals",
    "fangkong.control",
    "fangkong.testing",
    "fangkong.support",
    "fangkong.residents",
    "fangkong.messaging",
    "fangkong.notices",
    "fangkong.reports",
    "huey.contrib.djhuey",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "fangkong.accounts.middleware.ScopeMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fangkong.urls"
WSGI_APPLICATION = "fangkong.wsgi.application"

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
                "fangkong.accounts.context_processors.scope",
                "fangkong.notices.context.unread",
            ],
        },
    }
]

# --- Database ---------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'fangkong.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
        ),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DB_CONN_MAX_AGE", "60"))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and login hardening ---------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions end after this many seconds without a request.
SESSION_COOKIE_AGE = int(os.environ.get("FANGKONG_SESSION_IDLE_SECONDS", "1800"))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("FANGKONG_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Lockout: django-axes counts failures per username and client address.
AXES_FAILURE_LIMIT = int(os.environ.get("FANGKONG_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("FANGKONG_LOCKOUT_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "fangkong.accounts.views.lockout_response"
AXES_VERBOSE = False

# --- Internationalisation -------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "media")},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not env_bool("FANGKONG_PLAIN_STATIC", False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Background work ----------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# Unit tests run tasks in-process (huey's immediate mode); the browser tests run a real
# consumer against the same storage as the server.
HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE", "pytest" in sys.modules)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "fangkong",
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "fangkong",
        "filename": os.environ.get("HUEY_SQLITE_PATH", str(VAR_DIR / "huey.sqlite3")),
        "immediate": HUEY_IMMEDIATE,
    }
HUEY["consumer"] = {"workers": int(os.environ.get("HUEY_WORKERS", "2")), "worker_type": "thread"}

# --- Mail ---------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "fangkong@localhost")

# --- Fangkong -----------------------------------------------------------------
# The largest ledger the web page accepts; the command line has no limit.
FANGKONG_IMPORT_MAX_BYTES = int(os.environ.get("FANGKONG_IMPORT_MAX_MB", "30")) * 1024 * 1024
# Uploaded ledgers and export files are deleted this many days after their job ended.
FANGKONG_FILE_RETENTION_DAYS = int(os.environ.get("FANGKONG_FILE_RETENTION_DAYS", "7"))
# Exports above this many rows run in the background with a progress bar.
FANGKONG_EXPORT_INLINE_ROWS = int(os.environ.get("FANGKONG_EXPORT_INLINE_ROWS", "5000"))
# Levels whose accounts must use TOTP two-factor authentication.
FANGKONG_TOTP_REQUIRED_LEVELS = {"district"}
FANGKONG_DEMO_PASSWORD = os.environ.get("FANGKONG_DEMO_PASSWORD", "fangkong-demo")

# --- Arrival self-reports: the public page (docs/adr/0010-public-page-protection.md) ---
# Submissions allowed per client address and per identity number, "count/seconds",
# several limits separated by commas. Counted in the database, across all processes.
FANGKONG_ARRIVAL_LIMIT_PER_ADDRESS = os.environ.get(
    "FANGKONG_ARRIVAL_LIMIT_PER_ADDRESS", "30/600,300/86400"
)
FANGKONG_ARRIVAL_LIMIT_PER_ID = os.environ.get("FANGKONG_ARRIVAL_LIMIT_PER_ID", "5/3600,20/86400")
# Seconds the form must have been open before it is sent (scripts send it at once).
FANGKONG_ARRIVAL_MIN_FILL_SECONDS = int(os.environ.get("FANGKONG_ARRIVAL_MIN_FILL_SECONDS", "3"))
# Reverse proxies in front of the server that append the client to X-Forwarded-For
# (nginx with $proxy_add_x_forwarded_for: 1). 0: the client is REMOTE_ADDR.
# Control: daily follow-ups and alerts (docs/operations.md, Fangkong).
FANGKONG_FOLLOWUP_SLOTS = int(os.environ.get("FANGKONG_FOLLOWUP_SLOTS", "2"))
FANGKONG_FOLLOWUP_DUE_HOURS = os.environ.get("FANGKONG_FOLLOWUP_DUE_HOURS", "12,18")
FANGKONG_FEVER_THRESHOLD = float(os.environ.get("FANGKONG_FEVER_THRESHOLD", "37.3"))
FANGKONG_ALERT_ESCALATE_MINUTES = int(os.environ.get("FANGKONG_ALERT_ESCALATE_MINUTES", "60"))
# Whom to call, on a control order's notice when no care team is assigned: the longest
# code that prefixes the order's jurisdiction wins; else the hotline.
FANGKONG_CONTROL_PHONES: dict[str, str] = {}
FANGKONG_CONTROL_HOTLINE = os.environ.get("FANGKONG_CONTROL_HOTLINE", "12345")
# The resident's sign-in by one-time code: "count/seconds" windows (ADR 0017).
FANGKONG_RESIDENT_CODE_LIMIT_PER_PHONE = os.environ.get(
    "FANGKONG_RESIDENT_CODE_LIMIT_PER_PHONE", "3/900,10/86400"
)
FANGKONG_RESIDENT_CODE_LIMIT_PER_ADDRESS = os.environ.get(
    "FANGKONG_RESIDENT_CODE_LIMIT_PER_ADDRESS", "20/600,200/86400"
)
FANGKONG_RESIDENT_CHECK_LIMIT_PER_ADDRESS = os.environ.get(
    "FANGKONG_RESIDENT_CHECK_LIMIT_PER_ADDRESS", "30/600,300/86400"
)
# Text messages to residents (core/sms.py): "console" writes <var>/sms/outbox.jsonl,
# "http" posts to a gateway (docs/operations.md, SMS).
FANGKONG_SMS_BACKEND = os.environ.get("FANGKONG_SMS_BACKEND", "console")
FANGKONG_SMS_HTTP_URL = os.environ.get("FANGKONG_SMS_HTTP_URL", "")
FANGKONG_SMS_HTTP_TOKEN = os.environ.get("FANGKONG_SMS_HTTP_TOKEN", "")
FANGKONG_SMS_HTTP_TIMEOUT = float(os.environ.get("FANGKONG_SMS_HTTP_TIMEOUT", "10"))
# Texts to residents (messaging/): the pace of a batch, and the provider's receipt token.
FANGKONG_SMS_PER_SECOND = float(os.environ.get("FANGKONG_SMS_PER_SECOND", "20"))
FANGKONG_SMS_RECEIPT_TOKEN = os.environ.get("FANGKONG_SMS_RECEIPT_TOKEN", "")
FANGKONG_TRUSTED_PROXIES = int(os.environ.get("FANGKONG_TRUSTED_PROXIES", "0"))
# The daily report (reports/): drafts prepared from this hour, late after the deadline.
FANGKONG_REPORT_HOUR = int(os.environ.get("FANGKONG_REPORT_HOUR", "17"))
FANGKONG_REPORT_DEADLINE_HOUR = int(os.environ.get("FANGKONG_REPORT_DEADLINE_HOUR", "18"))
# Each level above the communities is due this many hours later (19:00, 20:00).
FANGKONG_REPORT_LEVEL_HOURS = int(os.environ.get("FANGKONG_REPORT_LEVEL_HOURS", "1"))
# Notices to staff (notices/): the largest attachment accepted.
FANGKONG_NOTICE_ATTACHMENT_MAX_MB = int(os.environ.get("FANGKONG_NOTICE_ATTACHMENT_MAX_MB", "20"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
