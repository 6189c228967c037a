"""Settings read from the environment, with safe defaults for one machine."""
import os
import secrets
from datetime import timedelta
from pathlib import Path


def _int(name, default):
    return int(os.environ.get(name, default))


def _secret_key(instance_path: Path) -> str:
    """Use SECRET_KEY from the environment, else one generated once into instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def load(instance_path: str) -> dict:
    """Build the configuration mapping for create_app()."""
    instance = Path(instance_path)
    return {
        "SECRET_KEY": _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "DATABASE_URL", f"sqlite:///{instance / 'afterward.sqlite'}"
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        "SITE_NAME": os.environ.get("SITE_NAME", "Afterward"),
        # Threads nest this many levels; a reply to the deepest level attaches beside it.
        "MAX_DEPTH": _int("MAX_DEPTH", 5),
        "POSTS_PER_PAGE": _int("POSTS_PER_PAGE", 100),
        "ITEMS_PER_PAGE": _int("ITEMS_PER_PAGE", 20),
        # 100,000 characters of Markdown must fit, with room for multi-byte text.
        "MAX_BODY_CHARS": _int("MAX_BODY_CHARS", 100_000),
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 1024 * 1024),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SECURE_COOKIES", "0") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": os.environ.get("SECURE_COOKIES", "0") == "1",
        "REMEMBER_COOKIE_DURATION": timedelta(days=_int("REMEMBER_DAYS", 14)),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=_int("SESSION_HOURS", 12)),
        # A form stays valid as long as the session: long testimonies take time to write.
        "WTF_CSRF_TIME_LIMIT": None,
    }
