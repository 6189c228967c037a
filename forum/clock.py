"""The site's one notion of "now": naive UTC, passed into services so tests control time."""
from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
