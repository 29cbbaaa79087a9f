"""Settings for the portal, read from the environment.

Local development gets safe defaults (SQLite under var/, tasks run in-process, mail to the
console). Production is configured only through environment variables; see docs/deploy.md.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# `make run` writes a .env with DEBUG on and a generated key; production sets real variables,
# which always win over the file. ENV_FILE=/dev/null ignores the file (tests of the deploy checks).
environ.Env.read_env(env.str("ENV_FILE", default=str(BASE_DIR / ".env")))

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])

if not DEBUG and not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
if DEBUG and not SECRET_KEY:
    SECRET_KEY = "insecure-local-development-key-never-used-in-production-0123456789"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "django_filters",
    "django_htmx",
    "template_partials",
    "treebeard",
    "rules.apps.AutodiscoverRulesConfig",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "communities",
    "deliberation",
    "volunteers",
    "governance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before any view hands a query value to PostgreSQL, which refuses NUL bytes.
    "governance.middleware.RefuseNulBytes",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "governance.urls"
WSGI_APPLICATION = "governance.wsgi.application"

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
                "governance.context_processors.shell",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer commits; IMMEDIATE takes the write lock at BEGIN,
    # so two writers queue instead of failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "governance.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            # Fail fast when Redis is away: a page waits one second at most, then goes on.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The rendered rows of the public issue lists are shared through the cache and dropped on every
# change to an issue (deliberation/listing_cache.py); this bounds what no service announces (an
# area renamed in the admin). Only with a cache every process shares.
PUBLIC_LIST_CACHE_SECONDS = env.int("PUBLIC_LIST_CACHE_SECONDS", default=300 if REDIS_URL else 0)

# --- Background work --------------------------------------------------------------------------

# With no broker the portal still works: tasks run in-process, right after the commit that
# enqueued them ("memory://" is never contacted then; it only keeps kombu from guessing a host).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL) or "memory://"
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL == "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request must not hang on a dead broker: try briefly, then leave it to the sweep.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
# Work that must happen later is a row with a due time; these periodic tasks pick it up.
CELERY_BEAT_SCHEDULE = {
    "escalate-overdue-issues": {
        "task": "deliberation.tasks.escalate_overdue_issues",
        "schedule": 300.0,
    },
    "notify-pending-events": {
        "task": "deliberation.tasks.notify_pending_events",
        "schedule": 120.0,
    },
    "send-activity-reminders": {
        "task": "volunteers.tasks.send_due_reminders",
        "schedule": 60.0,
    },
    "erase-due-personal-data": {
        "task": "governance.tasks.erase_due_personal_data",
        "schedule": 3600.0,
    },
    "close-resolved-issues": {
        "task": "deliberation.tasks.close_resolved_issues",
        "schedule": 3600.0,
    },
    "deliver-due-notices": {
        "task": "communities.tasks.deliver_due_notices",
        "schedule": 60.0,
    },
    "send-due-emails": {
        "task": "communities.tasks.send_due_emails",
        "schedule": 120.0,
    },
    "send-daily-digests": {
        "task": "communities.tasks.send_daily_digests",
        "schedule": 900.0,
    },
    "send-commitment-reminders": {
        "task": "deliberation.tasks.send_commitment_reminders",
        "schedule": 900.0,
    },
    "seal-timeline": {
        "task": "deliberation.tasks.seal_timeline",
        "schedule": 3600.0,
    },
    "announce-due-polls": {
        "task": "deliberation.tasks.announce_due_polls",
        "schedule": 60.0,
    },
    "close-due-polls": {
        "task": "deliberation.tasks.close_due_polls",
        "schedule": 60.0,
    },
    "send-meeting-reminders": {
        "task": "deliberation.tasks.send_meeting_reminders",
        "schedule": 60.0,
    },
}
# The daily digest goes out from this local hour on, once a day per person.
NOTIFICATION_DIGEST_HOUR = env.int("NOTIFICATION_DIGEST_HOUR", default=8)

# Deadlines of the three lanes, in hours: 小事快办, 急事速办, 难事联办.
ISSUE_LANE_HOURS = {
    "quick": env.int("ISSUE_QUICK_HOURS", default=72),
    "urgent": env.int("ISSUE_URGENT_HOURS", default=24),
    "joint": env.int("ISSUE_JOINT_HOURS", default=15 * 24),
}

# --- Accounts ---------------------------------------------------------------------------------

AUTH_USER_MODEL = "communities.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "communities.auth.MobileNumberBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "communities.forms.SignupExtraForm"
ACCOUNT_FORMS = {"login": "communities.auth.LoginForm"}
ACCOUNT_ADAPTER = "communities.auth.AccountAdapter"
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = None
# allauth keeps its counters in the default cache: Redis in production, so every app server
# shares one count per address and per account.
# Behind nginx every request comes from the proxy's address; say how many proxies stand in
# front so allauth counts attempts per real client (X-Forwarded-For), not for everyone at once.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/h/ip",
    "reset_password": "20/m/ip,5/m/key",
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="portal@localhost")

# --- Language, time ---------------------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Files ------------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=DEBUG)
# Workbooks uploaded for import hold personal data: kept apart from MEDIA_ROOT, never served.
IMPORTS_ROOT = env.path("IMPORTS_ROOT", default=VAR_DIR / "imports")
IMPORT_MAX_UPLOAD_MB = env.int("IMPORT_MAX_UPLOAD_MB", default=20)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=200_000)
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=90)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Security ---------------------------------------------------------------------------------

# No inline script or style anywhere, and nothing from another origin: many sites we serve sit on
# closed networks, and a CDN is both a dependency and a leak.
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
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    if env.bool("BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "governance.logging.RedactPersonalData"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- The API ----------------------------------------------------------------------------------

# Integrations send `Authorization: Token <secret>` (made in /me/tokens/); the browser its
# session, with CSRF enforced on writes. Who may see or do what is decided by `visible_to()`
# and the services, as for the pages; the API only asks writers to log in first.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "communities.api_base.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "communities.api_base.PagePagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "communities.api_base.exception_handler",
    # Counted in the default cache: Redis in production, so every app server shares the count.
    "DEFAULT_THROTTLE_CLASSES": [
        "communities.api_base.AnonymousThrottle",
        "communities.api_base.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_ANON_RATE", default="60/minute"),
        "user": env.str("API_USER_RATE", default="600/minute"),
    },
    # Behind nginx: count the client from X-Forwarded-For, as allauth does; never trust it blindly.
    "NUM_PROXIES": env.int("TRUSTED_PROXY_COUNT", default=0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Neighbourhood Governance Portal API",
    "DESCRIPTION": (
        "Areas, notices, residents' issues, commitments and the funnel, as each caller may see "
        "them in the browser. Residents' names, phones and households never appear. "
        "Open311 GeoReport v2 lives at /open311/v2/ (see docs/api.md)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "IssueStatusEnum": "deliberation.models.Issue.Status",
        "CommitmentStatusEnum": "deliberation.models.Commitment.Status",
        "LaneEnum": "deliberation.models.Lane",
        "IssueChannelEnum": "deliberation.models.Issue.Channel",
        "ReportChannelEnum": "deliberation.api.REPORT_CHANNELS",
    },
}

PORTAL_NAME = _("Neighbourhood Governance Portal")
# Where residents reach the portal: links in e-mails (which have no request to build them from).
PORTAL_URL = env.str("PORTAL_URL", default="http://127.0.0.1:8000")
