"""Rapport's one settings module, configured from the environment (see INTERFACES.md).

DATABASE_URL          postgres://… for production; default: SQLite file var/rapport.sqlite3 (WAL)
RAPPORT_SECRET_KEY    signing key (default: a random key kept in var/secret_key)
RAPPORT_ALLOWED_HOSTS comma-separated host names
RAPPORT_EMAIL_URL     smtp://user:pass@host:port (smtp+tls:// or smtps:// for encryption)
RAPPORT_DEBUG         1/true for development
RAPPORT_HTTPS         0 to serve plain HTTP without redirects (`make run` on localhost)
RAPPORT_TRUSTED_PROXIES CIDRs of reverse proxies whose X-Forwarded-For names the client
RAPPORT_SITE_URL      the public base URL links in e-mails, feeds and surveys start with
RAPPORT_FROM_EMAIL    the sender address of e-mails (default rapport@localhost)
RAPPORT_FREQUENCY_CAP marketing messages per contact per rolling window, all channels (2/7d)
RAPPORT_ATTRIBUTION_DAYS days after a campaign message in which an order counts for it (14)
RAPPORT_TRACKING      0 to stop tracking e-mail opens and clicks (default on; docs/campaigns.md)
RAPPORT_SMS_URL       twilio://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com/?from=%2B15550001111
RAPPORT_TELEGRAM_URL  telegram://BOT_TOKEN@api.telegram.org
RAPPORT_VIBER_URL     viber://AUTH_TOKEN@chatapi.viber.com?sender=Name&uri=BOT_URI
RAPPORT_VIBER_LINK_DAYS days a customer's link to connect their Viber account stays valid (30)
RAPPORT_WHATSAPP_URL  whatsapp://TOKEN@graph.facebook.com/v21.0/PHONE_ID?app_secret=…&verify_token=…
RAPPORT_WEBHOOK_PORTS ports outbound webhooks may use (comma-separated, default 443)
RAPPORT_WEBHOOK_ALLOW_PRIVATE 1 lets outbound webhooks reach loopback/private addresses (dev, tests)
RAPPORT_WEBHOOK_CA_FILE a PEM CA bundle trusted for webhook targets besides the system's
RAPPORT_WEBHOOK_SECRET the key scenario webhook steps sign their requests with (HMAC-SHA256)
"""

import ipaddress
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("RAPPORT_HOME", Path.cwd())).resolve()
VAR_DIR = PROJECT_DIR / "var"


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_number(name: str, default: float, *, minimum: float = 0) -> float:
    """A number from the environment (at least `minimum`); anything else stops the start with
    a message naming the variable, not a bare ValueError."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}: {value!r} is not a number") from None
    if not number >= minimum:  # NaN included
        raise ImproperlyConfigured(f"{name}: {value!r} is below {minimum:g}")
    return number


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _local_secret_key() -> str:
    """A per-installation key kept in var/, so `make run` needs no setup and stays private."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        import secrets

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("RAPPORT_DEBUG")
TESTING = env_bool("RAPPORT_TESTING")
SECRET_KEY = os.environ.get("RAPPORT_SECRET_KEY", "") or _local_secret_key()
ALLOWED_HOSTS = env_list("RAPPORT_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("RAPPORT_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves the API docs (Swagger UI) from our own static files, not a CDN
    "django_tasks_db",
    "rapport.core",
    "rapport.accounts",
    "rapport.contacts",
    "rapport.timeline",
    "rapport.catalog",
    "rapport.sales",
    "rapport.service",
    "rapport.activities",
    "rapport.analytics",
    "rapport.segments",
    "rapport.campaigns",
    "rapport.automation",
    "rapport.web",
    "rapport.api",
    "rapport.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "rapport.core.middleware.StripNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "rapport.core.middleware.DateStyleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "rapport.urls"
WSGI_APPLICATION = "rapport.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
            # the `date` filter that follows the reader's date format (rapport.core.dates)
            "builtins": ["rapport.core.templatetags.dates"],
        },
    },
]

# --- database -------------------------------------------------------------------------------
DEFAULT_SQLITE_PATH = VAR_DIR / "rapport.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}",
        conn_max_age=int(env_number("RAPPORT_DB_CONN_MAX_AGE", 60)),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer; IMMEDIATE transactions take the write lock up
    # front so concurrent writers queue behind the busy timeout instead of failing mid-way.
    # Connections are kept between requests (per server thread, CONN_MAX_AGE above) as with
    # PostgreSQL: opening one reads the whole schema again and starts with a cold page cache
    # (measured on the 50k-contact set of `make bench` on a busy 2-core machine: a 50-row query
    # took 0.2 ms on an open connection and 6.4 ms on a fresh one; over HTTP the contact list
    # API used 12-13 ms of server CPU per request instead of 15-17 ms).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA cache_size=-64000;"
            "PRAGMA mmap_size=268435456;"
            "PRAGMA temp_store=MEMORY;"
        ),
    }
    if DATABASES["default"]["NAME"] == str(DEFAULT_SQLITE_PATH):
        VAR_DIR.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- background work ------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Periodic jobs (core/schedule.py), run by every `rapport worker`: how often a worker looks for
# due slots (seconds), how many jobs it runs at once, and how long a run stays its worker's
# without news (seconds; renewed every third of it): a dead worker's run is retried after it.
RAPPORT_JOB_TICK = 5.0
RAPPORT_JOB_THREADS = 2
RAPPORT_JOB_LEASE = 60
# A stopping worker (SIGTERM, Ctrl+C) waits this long for its running jobs to finish; set it
# below the service manager's stop timeout (systemd 90 s, Docker 10 s by default) and below
# the 15 s `rapport serve` gives its in-process worker.
RAPPORT_JOB_GRACE = env_number("RAPPORT_JOB_GRACE", 8)

# --- auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Reverse proxies whose X-Forwarded-For names the client (CIDRs, comma-separated): rate limits
# and sign-in throttling count that client address instead of the proxy's.
RAPPORT_TRUSTED_PROXIES = env_list("RAPPORT_TRUSTED_PROXIES")
for _cidr in RAPPORT_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_cidr, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"RAPPORT_TRUSTED_PROXIES: {_cidr!r} is not a CIDR") from _exc
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:start"  # "my day" or home, by role (web.views.dashboard.start)
LOGOUT_REDIRECT_URL = "accounts:login"

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("ru", _("Russian")),
    ("uk", _("Ukrainian")),
    ("lt", _("Lithuanian")),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
# Day-first English dates (Django's are American); see rapport/core/formats/__init__.py.
FORMAT_MODULE_PATH = ["rapport.core.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("RAPPORT_TIME_ZONE", "Europe/Vilnius")
RAPPORT_DEFAULT_PHONE_REGION = os.environ.get("RAPPORT_DEFAULT_PHONE_REGION", "UA")
RAPPORT_DEFAULT_CURRENCY = os.environ.get("RAPPORT_DEFAULT_CURRENCY", "EUR")

# --- static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
NODE_MODULES = PROJECT_DIR / "node_modules"
# Front-end packages come from npm (package.json); only their built files are exposed.
STATICFILES_DIRS = [
    (prefix, NODE_MODULES / path)
    for prefix, path in [
        ("vendor/pico", "@picocss/pico/css"),
        ("vendor/chartjs", "chart.js/dist"),
    ]
    if (NODE_MODULES / path).is_dir()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

# --- e-mail ---------------------------------------------------------------------------------
_email_url = os.environ.get("RAPPORT_EMAIL_URL", "")
if _email_url:
    _parts = urlsplit(_email_url)
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _parts.hostname or "localhost",
                "port": _parts.port or (465 if _parts.scheme == "smtps" else 25),
                "username": unquote(_parts.username or ""),
                "password": unquote(_parts.password or ""),
                "use_tls": _parts.scheme == "smtp+tls",
                "use_ssl": _parts.scheme == "smtps",
                "timeout": 20,
            },
        }
    }
else:
    # No SMTP server configured: mail is written to the console log instead of being lost.
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
# Campaign e-mail is sent by the outbox's own SMTP provider (one connection per batch, each
# failure known to be before or after the content went over): it reads the URL itself.
RAPPORT_EMAIL_URL = _email_url
DEFAULT_FROM_EMAIL = os.environ.get("RAPPORT_FROM_EMAIL", "rapport@localhost")
# The public base URL that links in e-mails, calendar feeds and surveys start with.
RAPPORT_SITE_URL = os.environ.get("RAPPORT_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- campaigns ------------------------------------------------------------------------------
# At most this many marketing messages per contact per rolling window, across all channels,
# campaigns and scenarios ("2/7d", "3/24h", or "off"); service messages are not counted.
RAPPORT_FREQUENCY_CAP = os.environ.get("RAPPORT_FREQUENCY_CAP", "2/7d")
# An order counts for a campaign when placed within this many days after the message (for its
# holdout group: after the launch), 1 to 365.
_attribution = os.environ.get("RAPPORT_ATTRIBUTION_DAYS", "14").strip()
if not _attribution.isdigit() or not 1 <= int(_attribution) <= 365:
    raise ImproperlyConfigured(
        f"RAPPORT_ATTRIBUTION_DAYS: {_attribution!r} is not a number of days from 1 to 365"
    )
RAPPORT_ATTRIBUTION_DAYS = int(_attribution)
# Open pixels and click redirects in campaign e-mail (campaigns/tracking.py); 0 sends the
# links as written and no pixel.
RAPPORT_TRACKING = env_bool("RAPPORT_TRACKING", default=True)
# SMS and messenger providers (campaigns/channels/); unset: messages are printed.
RAPPORT_SMS_URL = os.environ.get("RAPPORT_SMS_URL", "")
RAPPORT_TELEGRAM_URL = os.environ.get("RAPPORT_TELEGRAM_URL", "")
RAPPORT_VIBER_URL = os.environ.get("RAPPORT_VIBER_URL", "")
_viber_days = os.environ.get("RAPPORT_VIBER_LINK_DAYS", "30").strip()
if not _viber_days.isdigit() or not 1 <= int(_viber_days) <= 365:
    raise ImproperlyConfigured(
        f"RAPPORT_VIBER_LINK_DAYS: {_viber_days!r} is not a number of days from 1 to 365"
    )
RAPPORT_VIBER_LINK_DAYS = int(_viber_days)
RAPPORT_WHATSAPP_URL = os.environ.get("RAPPORT_WHATSAPP_URL", "")
# Seconds a worker's claim on outbox messages lasts before another worker recovers it.
RAPPORT_OUTBOX_LEASE = int(env_number("RAPPORT_OUTBOX_LEASE", 120, minimum=1))

# --- outbound webhooks (core/outbound.py) -----------------------------------------------------
# Targets are https on these ports only, at public addresses.
RAPPORT_WEBHOOK_PORTS: list[int] = []
for _port in env_list("RAPPORT_WEBHOOK_PORTS", "443"):
    if not _port.isdigit() or not 0 < int(_port) < 65536:
        raise ImproperlyConfigured(f"RAPPORT_WEBHOOK_PORTS: {_port!r} is not a port number")
    RAPPORT_WEBHOOK_PORTS.append(int(_port))
# For tests and development only: also allow loopback and private-network targets (127/8, 10/8,
# 172.16/12, 192.168/16, ::1, fc00::/7). Link-local (cloud metadata), CGNAT, multicast and
# reserved addresses stay refused even then.
RAPPORT_WEBHOOK_ALLOW_PRIVATE = env_bool("RAPPORT_WEBHOOK_ALLOW_PRIVATE")
# A PEM bundle of CA certificates trusted for webhook targets in addition to the system's.
RAPPORT_WEBHOOK_CA_FILE = os.environ.get("RAPPORT_WEBHOOK_CA_FILE", "")
# The key scenario webhooks are signed with (X-Rapport-Signature); unset: webhook steps fail.
RAPPORT_WEBHOOK_SECRET = os.environ.get("RAPPORT_WEBHOOK_SECRET", "")

# --- security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
if not DEBUG and env_bool("RAPPORT_HTTPS", default=True):
    SECURE_SSL_REDIRECT = env_bool("RAPPORT_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env_number("RAPPORT_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("RAPPORT_LOG_LEVEL", "WARNING")},
}
