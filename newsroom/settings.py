"""
Settings for Newsroom.

Everything that differs between a laptop and production comes from the
environment; the defaults are safe for local development (SQLite under
var/, a generated secret key, DEBUG off unless asked for).
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("NEWSROOM_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    value = value.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name, default):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def env_ints(prefix, keys):
    """{key: int} for each of `keys` whose variable prefix+key is set."""
    return {key: env_int(prefix + key, None) for key in keys if os.environ.get(prefix + key, "").strip()}


def env_list(name, default=()):
    value = os.environ.get(name, "")
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or list(default)


def development_secret_key():
    """A key generated once per checkout, kept in the untracked var/ folder."""
    path = VAR_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        # O_EXCL: two processes starting at once must not write two keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as f:
            f.write(key)
        return key


DEBUG = env_bool("DJANGO_DEBUG", default=False)

# The deploy check (newsroom.checks) refuses a generated key when DEBUG is off.
SECRET_KEY_FROM_ENVIRONMENT = bool(os.environ.get("DJANGO_SECRET_KEY"))
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or development_secret_key()

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "taggit",
    "axes",
    "django_tasks",
    # Its tables and admin are there whichever backend runs the jobs.
    "django_tasks_db",
    "core",
    "providers",
    "articles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: importers may send larger bodies to the import page.
    "core.middleware.RequestBodyLimitMiddleware",
    "core.routers.PublicReadsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: turns a locked-out log-in into its answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    # The reader site's pages (templates/jinja2/): compiled templates, several times faster
    # than the Django engine's for a page of cards (articles.jinja2env). Second, so that the
    # admin's templates are found by the Django engine without a look in this folder.
    {
        "BACKEND": "core.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "articles.jinja2env.environment"},
    },
]

WSGI_APPLICATION = "newsroom.wsgi.application"


# Database: an embedded SQLite file by default, anything dj-database-url
# understands (postgres://...) through DATABASE_URL.
def database_config(url):
    config = dj_database_url.parse(url, conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60), conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers go on while the importer writes; IMMEDIATE takes the
        # write lock when a transaction starts, so a transaction never fails
        # half-way with "database is locked" when it tries to upgrade its lock.
        # Reads through a memory map: a search joins thousands of matches to their stories'
        # rows, far more than SQLite's own 2 MB page cache, and copying each page in from the
        # file was a quarter of such a page's time (docs/performance.md, seventh session).
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                f" PRAGMA mmap_size={256 * 1024 * 1024};"
            ),
        }
        # Kept open like PostgreSQL's: in WAL mode an idle connection holds no lock, and a
        # new one costs a reader 5-8 ms of CPU (the PRAGMAs above and SQLite reading the
        # schema again), a third of an uncached page (docs/performance.md).
    return config


DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
if DATABASE_URL.startswith("sqlite:///") and not os.environ.get("DATABASE_URL"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": database_config(DATABASE_URL)}
if os.environ.get("DATABASE_REPLICA_URL"):
    # Public pages read from the replica; the admin, imports and every write
    # use the primary (core.routers).
    DATABASES["replica"] = database_config(os.environ["DATABASE_REPLICA_URL"])
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["core.routers.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes first: it refuses a locked-out log-in before the password is tested.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]

# Admin log-ins (django-axes). Failures are counted in the database, so every
# server process sees one count and a cache outage cannot lift the limit. They
# are counted per user name and client address together: failures against one
# account never lock out another, even from an address many people share.
# Staff see and clear lock-outs in the admin ("Access attempts").
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"
# The proxies gunicorn takes X-Forwarded-* from (gunicorn.conf.py), read from
# the same variable; only behind them is X-Forwarded-For believed.
NEWSROOM_TRUSTED_PROXIES = env_list("GUNICORN_FORWARDED_ALLOW_IPS", default=["127.0.0.1"])

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CACHES = {
    "default": (
        {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            # Fail fast: a slow cache must not make a slow site.
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
        if os.environ.get("REDIS_URL")
        else {
            "BACKEND": "core.locmem.BoundedLocMemCache",
            "LOCATION": "newsroom",
            # Bounded by memory: an entry is a card (1-2 KB), a story page (~10 KB) or a listing
            # (~45 KB), and any query string makes a page of its own. 128 MB a process hold the
            # pages and cards of 5,000 stories' site; more wants Redis (docs/deploy.md).
            "OPTIONS": {
                "MAX_BYTES": env_int("NEWSROOM_CACHE_MB", 128) * 1024 * 1024,
                "MAX_ENTRIES": env_int("NEWSROOM_CACHE_ENTRIES", 100_000),
            },
        }
    )
}
# Pages and cards, which never change under their keys: with Redis, each process keeps its own
# copy of those it served (NEWSROOM_CACHE_MB a process) and asks Redis only for the others.
# Without Redis, the same local cache as "default" (the same LOCATION: the same entries).
CACHES["pages"] = (
    {
        "BACKEND": "core.cache.LocalFirstCache",
        "LOCATION": "pages",
        "OPTIONS": {"SHARED": "default", "MAX_BYTES": env_int("NEWSROOM_CACHE_MB", 128) * 1024 * 1024},
    }
    if os.environ.get("REDIS_URL")
    else CACHES["default"]
)

# Background jobs (articles/tasks.py) on Django's Tasks API. The database backend
# needs nothing more than the database and `manage.py run_worker`; TASKS_BACKEND=rq
# puts them on RQ over REDIS_URL, for workers on several machines (docs/deploy.md).
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "database").strip().lower() or "database"
if TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
elif TASKS_BACKEND == "rq":
    if not os.environ.get("REDIS_URL"):
        raise ImproperlyConfigured("TASKS_BACKEND=rq needs REDIS_URL (redis://host:6379/0)")
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": os.environ["REDIS_URL"], "DEFAULT_TIMEOUT": 6 * 3600}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif TASKS_BACKEND == "immediate":
    # In the request or command that enqueues: no worker (a one-off script, a demo).
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be database, rq or immediate, not {TASKS_BACKEND!r}")

# Public pages are cached whole (articles.pagecache.public_page), keyed by how
# fresh the content is; that freshness is read from the database at most this
# often per process. Changes made through this process show at once.
NEWSROOM_PAGE_CACHE = env_bool("NEWSROOM_PAGE_CACHE", default=True)
NEWSROOM_FRESHNESS_SECONDS = float(os.environ.get("NEWSROOM_FRESHNESS_SECONDS", "1"))

# Topics: "AI" and "ai" are one topic.
TAGGIT_CASE_INSENSITIVE = True

# Newsroom's own settings: the defaults are in articles/conf.py; the
# environment overrides any of them (NEWSROOM_IMPORT_MAX_FILE_BYTES=...).
NEWSROOM_IMPORT = env_ints(
    "NEWSROOM_IMPORT_",
    ["MAX_FILE_BYTES", "MAX_RELATED", "MAX_IMAGES", "MAX_YAML_NODES", "BATCH_SIZE", "MAX_UPLOAD_BYTES"],
)

if os.environ.get("NEWSROOM_UPLOAD_DIR"):
    # Admin uploads wait there for their jobs: with workers on other machines, a shared folder.
    NEWSROOM_IMPORT["UPLOAD_DIR"] = os.environ["NEWSROOM_UPLOAD_DIR"]

# Request bodies larger than this are refused (413) before they are read; only
# the admin's upload pages take more, from users allowed to use them
# (core.middleware.RequestBodyLimitMiddleware). Forms never need more.
NEWSROOM_MAX_REQUEST_BYTES = env_int("NEWSROOM_MAX_REQUEST_BYTES", 1024 * 1024)
# The pages that take more: {view name: (permission, a function giving their own limit)}.
NEWSROOM_UPLOAD_PAGES = {
    "admin:articles_article_import": ("articles.import_stories", "articles.conf.max_upload_bytes"),
    "admin:articles_article_change": ("articles.change_article", "articles.conf.max_image_bytes"),
}
DATA_UPLOAD_MAX_MEMORY_SIZE = NEWSROOM_MAX_REQUEST_BYTES
# Uploaded files larger than this wait on disk rather than in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = NEWSROOM_MAX_REQUEST_BYTES

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

LOGIN_URL = "admin:login"

# HTTPS: on in production (DJANGO_HTTPS=1), off for a laptop and the tests,
# which talk plain HTTP to 127.0.0.1.
HTTPS = env_bool("DJANGO_HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("DJANGO_BEHIND_PROXY", default=False):
    # Only behind a load balancer that sets this header itself.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Background jobs: the defaults and their reasons are in articles/conf.py.
NEWSROOM_JOBS = {}
if os.environ.get("NEWSROOM_CACHE_IMAGES_AFTER_IMPORT", "").strip():
    NEWSROOM_JOBS["CACHE_IMAGES_AFTER_IMPORT"] = env_bool("NEWSROOM_CACHE_IMAGES_AFTER_IMPORT")

# Revisions and images: the defaults and their reasons are in articles/conf.py.
NEWSROOM_REVISIONS = env_ints("NEWSROOM_REVISIONS_", ["KEEP_DAYS", "KEEP_LATEST"])
NEWSROOM_IMAGES = env_ints(
    "NEWSROOM_IMAGES_",
    ["MAX_BYTES", "MAX_PIXELS", "CONNECT_TIMEOUT", "READ_TIMEOUT", "TOTAL_TIMEOUT", "MAX_REDIRECTS"],
)
if os.environ.get("NEWSROOM_PUBLIC_URL"):
    NEWSROOM_IMAGES["PUBLIC_URL"] = os.environ["NEWSROOM_PUBLIC_URL"]

# Publish pings (articles/conf.py, docs/webhooks.md): off unless these are set. A key alone
# submits to IndexNow's shared endpoint, which passes the URLs on to every engine taking part.
NEWSROOM_PINGS = {}
if env_list("NEWSROOM_WEBSUB_HUBS"):
    NEWSROOM_PINGS["WEBSUB_HUBS"] = env_list("NEWSROOM_WEBSUB_HUBS")
if os.environ.get("NEWSROOM_INDEXNOW_KEY", "").strip():
    NEWSROOM_PINGS["INDEXNOW"] = {
        "KEY": os.environ["NEWSROOM_INDEXNOW_KEY"].strip(),
        "ENDPOINTS": env_list("NEWSROOM_INDEXNOW_ENDPOINTS", ["https://api.indexnow.org/indexnow"]),
    }

# The JSON API (articles.api): JSON in and out, no browsable pages (they would need
# scripts the CSP refuses); anonymous reads; importers authenticate with their token.
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Newsroom API",
    "DESCRIPTION": "Live stories of the newsroom, and story-file imports for importers (docs/api.md).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}
