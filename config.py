"""Configuration: everything from environment variables with safe defaults."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from flask_appbuilder.security.manager import AUTH_DB

from app.domain.passwords import validate_password_complexity
from app.security.roles import ROLE_MATRIX

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", BASE_DIR / "instance"))


def _bool(name: str, default: bool) -> bool:
    """Read a boolean environment variable ("1", "true", "yes" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    """Read an integer environment variable."""
    return int(os.environ.get(name, default))


def _database_url(url: str) -> str:
    """Use the pinned psycopg2 driver for plain postgres:// URLs (SQLAlchemy 2.1 would pick psycopg 3)."""
    return re.sub(r"^postgres(ql)?://", "postgresql+psycopg2://", url)


class Config:
    """Production-capable defaults; every knob can be set from the environment."""

    SECRET_KEY = os.environ.get(
        "SECRET_KEY", "dev-only-secret-key-change-me-in-production-0123456789"
    )
    SQLALCHEMY_DATABASE_URI = _database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'app.db'}")
    )
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # PostgreSQL's JIT compiler stays off for the app's connections (see app._postgresql_without_jit).
    DATABASE_JIT = _bool("DATABASE_JIT", False)

    APP_NAME = "医师电子化注册信息系统"
    APP_THEME = ""

    # Migrations own the schema; `flask init` owns roles and permissions.
    FAB_CREATE_DB = False
    FAB_UPDATE_PERMS = False
    FAB_ROLES = ROLE_MATRIX
    FAB_SECURITY_MANAGER_CLASS = "app.security.manager.RegistrySecurityManager"
    FAB_ADD_SECURITY_API = False
    FAB_ADD_OPENAPI_VIEWS = False  # app.api.openapi registers its own (every error response documented)
    FAB_API_SWAGGER_UI = True
    FAB_BASE_TEMPLATE = "base.html"

    # Authentication
    AUTH_TYPE = AUTH_DB
    AUTH_USER_REGISTRATION = False
    AUTH_ROLE_ADMIN = "Admin"
    AUTH_ROLE_PUBLIC = "Public"
    FAB_PASSWORD_HASH_METHOD = "scrypt"
    FAB_PASSWORD_COMPLEXITY_ENABLED = True
    FAB_PASSWORD_COMPLEXITY_VALIDATOR = staticmethod(validate_password_complexity)
    LOCKOUT_THRESHOLD = _int("LOCKOUT_THRESHOLD", 5)
    LOCKOUT_MINUTES = _int("LOCKOUT_MINUTES", 30)  # 0: locked until an administrator unlocks

    # Rate limits (FAB's AUTH_RATE_LIMITED needs RATELIMIT_ENABLED); a shared store such as
    # redis://host:6379 keeps the counts across several worker processes.
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Per account or target first; per client address only a generous ceiling, so the staff of a
    # hospital behind one public address are not locked out by each other.
    AUTH_RATE_LIMITED = True
    AUTH_ACCOUNT_RATE_LIMIT = os.environ.get("AUTH_ACCOUNT_RATE_LIMIT", "10 per minute")  # per login name
    AUTH_RATE_LIMIT = os.environ.get("AUTH_RATE_LIMIT", "300 per minute")  # per client address
    ACCOUNT_API_TARGET_RATE_LIMIT = os.environ.get("ACCOUNT_API_TARGET_RATE_LIMIT", "10 per hour")
    ACCOUNT_API_RATE_LIMIT = os.environ.get("ACCOUNT_API_RATE_LIMIT", "600 per hour")  # per client address
    SIGNUP_RATE_LIMIT = os.environ.get("SIGNUP_RATE_LIMIT", "30 per hour")  # per client address
    RECOVERY_RATE_LIMIT = os.environ.get("RECOVERY_RATE_LIMIT", "10 per hour")
    # The public register lookup (web page and API together), per client address; ";" joins several.
    PUBLIC_LOOKUP_RATE_LIMIT = os.environ.get("PUBLIC_LOOKUP_RATE_LIMIT", "20 per hour;100 per day")

    # Number of reverse proxies in front of the app (X-Forwarded-For hops to trust); 0 = none.
    PROXY_FIX_X_FOR = _int("PROXY_FIX_X_FOR", 0)

    # Cookies (set SESSION_COOKIE_SECURE=1 behind HTTPS)
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = os.environ.get("SESSION_COOKIE_SAMESITE", "Lax")
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None

    # Internationalisation: Chinese first
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = {
        "zh": {"flag": "cn", "name": "简体中文"},
        "en": {"flag": "gb", "name": "English"},
    }

    # Site footer (《政府网站发展指引》): each item is hidden when set to an empty string.
    FOOTER_SPONSOR = os.environ.get("FOOTER_SPONSOR", "国家卫生健康委员会")  # 主办单位
    FOOTER_ORGANIZER = os.environ.get("FOOTER_ORGANIZER", "")  # 承办单位
    FOOTER_SUPPORT = os.environ.get("FOOTER_SUPPORT", "")  # 技术支持
    FOOTER_HOTLINE = os.environ.get("FOOTER_HOTLINE", "12320")  # 服务热线
    FOOTER_HOTLINE_HOURS = os.environ.get("FOOTER_HOTLINE_HOURS", "工作日 8:30—17:00")
    FOOTER_ICP = os.environ.get("FOOTER_ICP", "")  # ICP 备案号, linked to beian.miit.gov.cn
    FOOTER_PSB = os.environ.get("FOOTER_PSB", "")  # 公安机关备案号, e.g. 京公网安备 11010502000000号
    FOOTER_PSB_CODE = os.environ.get("FOOTER_PSB_CODE", "")  # its number, for the link to beian.mps.gov.cn
    FOOTER_SITE_ID = os.environ.get("FOOTER_SITE_ID", "")  # 网站标识码
    FOOTER_GOV_MARK_URL = os.environ.get("FOOTER_GOV_MARK_URL", "")  # 党政机关网站标识 link (dcs.conac.cn)
    FOOTER_ERROR_REPORT_URL = os.environ.get("FOOTER_ERROR_REPORT_URL", "")  # 我为政府网站找错

    # Lists: FAB's page size is uncapped; ours is not.
    FAB_PAGE_SIZE = 25
    MAX_PAGE_SIZE = _int("MAX_PAGE_SIZE", 100)
    # Exports (app.exports): a list larger than this is written by a background job (我的导出, kept
    # under EXPORT_DIR/jobs); smaller ones are written under EXPORT_DIR and removed once sent.
    EXPORT_MAX_ROWS_INLINE = _int("EXPORT_MAX_ROWS_INLINE", 50_000)
    EXPORT_DIR = os.environ.get("EXPORT_DIR", str(INSTANCE_DIR / "exports"))
    # A background export holds its job this long (it has no checkpoint while the file is written).
    EXPORT_JOB_LEASE_SECONDS = _int("EXPORT_JOB_LEASE_SECONDS", 1800)
    # Lists whose rows PostgreSQL's planner estimates above this show the estimate (「约 N」) instead
    # of an exact count(*) that would read millions of rows (app/counting.py); SQLite counts exactly.
    LIST_ESTIMATE_THRESHOLD = _int("LIST_ESTIMATE_THRESHOLD", 100_000)
    # ... and so do lists whose rows would cost more than this to read (planner cost units), however
    # few they are: a common surname in a national queue joins hundreds of thousands of rows.
    LIST_ESTIMATE_COST = _int("LIST_ESTIMATE_COST", 100_000)

    # Business rule knobs (SPEC)
    ACCOUNT_OPENING_DELAY_DAYS = _int("ACCOUNT_OPENING_DELAY_DAYS", 30)
    MAX_SCOPES = _int("MAX_SCOPES", 3)
    ASSESSMENT_CYCLE_YEARS = _int("ASSESSMENT_CYCLE_YEARS", 3)
    MIN_TRAINING_MONTHS = _int("MIN_TRAINING_MONTHS", 3)  # 2-year rule: the shortest training

    # Version of the privacy notice (/signup/privacy) a sign-up consents to; stored with the consent.
    PRIVACY_NOTICE_VERSION = os.environ.get("PRIVACY_NOTICE_VERSION", "2026-01")
    # Uploaded photos: stored outside static under UPLOAD_DIR, served only through scoped routes.
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    PHOTO_MAX_BYTES = _int("PHOTO_MAX_BYTES", 2 * 1024 * 1024)
    PHOTO_MAX_PIXELS = _int("PHOTO_MAX_PIXELS", 16_000_000)
    PHOTO_MIN_WIDTH = _int("PHOTO_MIN_WIDTH", 295)  # a 1-inch ID photo (25 × 35 mm) at 300 dpi
    PHOTO_MIN_HEIGHT = _int("PHOTO_MIN_HEIGHT", 413)
    PHOTO_STORED_MAX_SIDE = _int("PHOTO_STORED_MAX_SIDE", 1200)
    # Training certificates (2-year rule): a legible picture (JPEG/PNG) or a real PDF.
    CERTIFICATE_MAX_BYTES = _int("CERTIFICATE_MAX_BYTES", 5 * 1024 * 1024)
    CERTIFICATE_MAX_PIXELS = _int("CERTIFICATE_MAX_PIXELS", 40_000_000)
    CERTIFICATE_MIN_WIDTH = _int("CERTIFICATE_MIN_WIDTH", 600)
    CERTIFICATE_MIN_HEIGHT = _int("CERTIFICATE_MIN_HEIGHT", 400)
    CERTIFICATE_STORED_MAX_SIDE = _int("CERTIFICATE_STORED_MAX_SIDE", 2400)
    CERTIFICATE_MAX_PAGES = _int("CERTIFICATE_MAX_PAGES", 10)
    # The address printed in the form's QR code (e.g. https://zhuce.example.cn); empty: this request's host.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")

    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "Demo@12345")

    # Notifications: "log" (development: log + file), "smtp" for e-mail, "http" SMS gateway.
    NOTIFY_EMAIL_BACKEND = os.environ.get("NOTIFY_EMAIL_BACKEND", "log")
    NOTIFY_SMS_BACKEND = os.environ.get("NOTIFY_SMS_BACKEND", "log")
    NOTIFY_LOG_FILE = os.environ.get("NOTIFY_LOG_FILE", str(INSTANCE_DIR / "outbox.log"))
    NOTIFY_MAX_ATTEMPTS = _int("NOTIFY_MAX_ATTEMPTS", 6)
    NOTIFY_TIMEOUT_SECONDS = _int("NOTIFY_TIMEOUT_SECONDS", 10)
    NOTIFY_LEASE_SECONDS = _int("NOTIFY_LEASE_SECONDS", 300)  # must exceed the send timeout
    SMTP_HOST = os.environ.get("SMTP_HOST", "127.0.0.1")
    SMTP_PORT = _int("SMTP_PORT", 25)
    SMTP_USER = os.environ.get("SMTP_USER", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = _bool("SMTP_STARTTLS", False)
    SMTP_SENDER = os.environ.get("SMTP_SENDER", "医师电子化注册 <noreply@example.cn>")
    SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
    SMS_GATEWAY_TOKEN = os.environ.get("SMS_GATEWAY_TOKEN", "")

    # Background jobs (app/jobs): an in-process runner thread for `make run`; in production set
    # JOBS_IN_PROCESS=0 and run `flask jobs work --loop` (any number of them) instead.
    JOBS_IN_PROCESS = _bool("JOBS_IN_PROCESS", True)
    # The largest exam-result file a reviewer may upload in the browser (bytes).
    IMPORT_MAX_BYTES = _int("IMPORT_MAX_BYTES", 200 * 1024 * 1024)
    JOBS_LEASE_SECONDS = _int("JOBS_LEASE_SECONDS", 120)  # extended at every checkpoint
    JOBS_POLL_SECONDS = float(os.environ.get("JOBS_POLL_SECONDS", "2"))
    # Beijing time after which the workers enqueue the day's reminders job (one per day, whichever
    # worker first); empty: never (run `flask reminders run` from cron instead).
    REMINDERS_AT = os.environ.get("REMINDERS_AT", "09:00")


class TestConfig(Config):
    """Configuration for pytest: a throw-away database, no real limits unless a test asks."""

    TESTING = True
    SECRET_KEY = "test-secret-key-of-at-least-32-bytes-0123456789"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    WTF_CSRF_ENABLED = True
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    FAB_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast hashing in tests only
    # Uploads of the test databases (the demo's photos too) stay out of the instance folder.
    JOBS_IN_PROCESS = False  # tests run jobs inline (app.jobs.runner.run_due)
    REMINDERS_AT = ""  # a test that wants the daily reminders job sets the time
    NOTIFY_LOG_FILE = str(Path(tempfile.gettempdir()) / "registry-test-outbox.log")  # never the instance folder
    UPLOAD_DIR = os.environ.get("TEST_UPLOAD_DIR", str(Path(tempfile.gettempdir()) / "registry-test-uploads"))
    EXPORT_DIR = os.environ.get("TEST_EXPORT_DIR", str(Path(tempfile.gettempdir()) / "registry-test-exports"))
