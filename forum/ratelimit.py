"""Rate limits for every write, log-in and registration, on Flask-Limiter's storage.

Flask-Limiter owns the storage (RATELIMIT_STORAGE_URI: memory:// for one process, redis://
shared by every worker and host). The rules depend on who is writing (a new account, a
moderator), so the posting path asks here directly instead of decorating routes.

Client addresses never reach the storage raw: each is replaced by an HMAC under a key
derived from SECRET_KEY and the date, so a copy of Redis reveals no reader's address and
yesterday's keys cannot be recomputed from today's.

Several people can share an address (a shelter, a library), so a refusal on an address key
must not tell one of them when another acted: it gives the whole window as the wait, never
the moment the oldest attempt in it runs out.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time
from contextlib import contextmanager
from dataclasses import dataclass
from flask import current_app, has_request_context, request
from flask_babel import ngettext
from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from .clock import utcnow
from .extensions import limiter

log = logging.getLogger("forum.ratelimit")


class RateLimited(Exception):
    """A limit was reached; `retry_after` says in how many seconds to try again."""

    def __init__(self, message: str, retry_after: int):
        message = str(message)  # a lazy message made text in the reader's language now
        super().__init__(message)
        self.message = message
        self.retry_after = max(1, retry_after)


@dataclass
class _State:
    storage: object
    primary: MovingWindowRateLimiter
    fallback: MovingWindowRateLimiter
    degraded_at: float | None = None
    checked_at: float = 0.0


def _state() -> _State:
    """This process's limiter state: the shared storage, and an in-memory stand-in for it."""
    ext = current_app.extensions
    state = ext.get("forum.ratelimit")
    if state is None or state.storage is not limiter.storage:
        state = _State(limiter.storage, MovingWindowRateLimiter(limiter.storage),
                       MovingWindowRateLimiter(MemoryStorage()))
        ext["forum.ratelimit"] = state
    return state


def _strategy() -> MovingWindowRateLimiter:
    """The shared storage when it answers; memory in this process while it does not."""
    state = _state()
    # After the shared storage failed, try it again at most this often.
    recheck = current_app.config["RATELIMIT_RECHECK_SECONDS"]
    if state.degraded_at is not None and time.monotonic() - state.checked_at > recheck:
        state.checked_at = time.monotonic()
        try:
            healthy = state.storage.check()
        except Exception:  # any storage failure keeps us on the fallback
            healthy = False
        if healthy:
            log.warning("Rate-limit storage answers again; using it.")
            state.degraded_at = None
    return state.fallback if state.degraded_at is not None else state.primary


def _failed_over(error: Exception) -> MovingWindowRateLimiter:
    state = _state()
    if state.degraded_at is None:
        log.warning("Rate-limit storage is not answering (%s); limiting in memory.",
                    type(error).__name__)
        state.degraded_at = state.checked_at = time.monotonic()
    return state.fallback


def storage_status() -> str:
    """"ok", or "degraded" while limits are kept in this process's memory (probes storage)."""
    if not limiter.enabled:
        return "disabled"
    if _strategy() is _state().primary:
        try:
            healthy = _state().storage.check()
        except Exception as error:  # a health probe reports failure, whatever its kind
            healthy, reason = False, error
        else:
            reason = RuntimeError("check failed")
        if not healthy:
            _failed_over(reason)
    return "degraded" if _state().degraded_at is not None else "ok"


def _call(method: str, item, key: str) -> object:
    strategy = _strategy()
    try:
        return getattr(strategy, method)(item, key)
    except Exception as error:  # the storage failed mid-request: carry on in memory
        if strategy is _state().fallback:
            raise
        return getattr(_failed_over(error), method)(item, key)


def _retry_after(item, key: str) -> int:
    stats = _call("get_window_stats", item, key)
    return math.ceil(stats.reset_time - time.time())


class SharedKey(str):
    """A key that several people may share (it contains the client address).

    Refusals on it give the whole window as the wait: when such a bucket empties depends on
    when the others on that address acted, which is theirs to keep.
    """


def _daily_hash(purpose: str, value: str) -> str:
    day = utcnow().strftime("%Y-%m-%d")
    daily_key = hmac.new(current_app.config["SECRET_KEY"].encode(),
                         f"{purpose}:{day}".encode(), hashlib.sha256).digest()
    return hmac.new(daily_key, value.encode(), hashlib.sha256).hexdigest()[:32]


def _address() -> str:
    return (request.remote_addr if has_request_context() else None) or "none"


def _login(login_name: str) -> str:
    return login_name.strip().lower()


def address_key() -> SharedKey:
    """This request's client address as a keyed hash that changes every day."""
    return SharedKey(_daily_hash("ratelimit-address", _address()))


def name_key(login_name: str) -> str:
    """A login name as a keyed hash: the storage should not hold a list of login names."""
    return hmac.new(current_app.config["SECRET_KEY"].encode(),
                    f"ratelimit-login:{_login(login_name)}".encode(),
                    hashlib.sha256).hexdigest()[:32]


def email_key(address: str) -> str:
    """An email address as a keyed hash, for limits on the mail sent to it."""
    return hmac.new(current_app.config["SECRET_KEY"].encode(),
                    f"ratelimit-email:{address.strip().lower()}".encode(),
                    hashlib.sha256).hexdigest()[:32]


def pair_key(login_name: str) -> SharedKey:
    """A login name tried from this request's address, as one keyed hash that changes daily."""
    # A newline cannot be part of an address, so no other name and address give this text.
    return SharedKey(_daily_hash("ratelimit-login-pair", f"{_address()}\n{_login(login_name)}"))


def _limits(rule: str):
    return parse_many(rule) if rule else []


Rule = tuple[str, str, str, str]  # bucket, limit ("1 per 5 seconds;20 per day"), key, message


@dataclass
class _Bucket:
    key: str
    item: object
    message: str
    shared: bool


def _buckets(rules: list[Rule]) -> list[_Bucket]:
    return [_Bucket(f"{bucket}:{key}", item, message, isinstance(key, SharedKey))
            for bucket, rule, key, message in rules for item in _limits(rule)]


def _refuse(bucket: _Bucket) -> RateLimited:
    # A shared bucket's exact reset time would date someone else's attempt: give the window.
    wait = bucket.item.get_expiry() if bucket.shared else _retry_after(bucket.item, bucket.key)
    return RateLimited(bucket.message.format(wait=wait_words(max(1, wait))), wait)


def hit(rules: list[Rule]) -> None:
    """Count one attempt against each rule; raise RateLimited if any is full.

    Every bucket is tested before any is counted, so a refused attempt costs nothing; the
    counting itself is atomic in the storage, so concurrent workers cannot both slip past.
    """
    if not limiter.enabled:
        return
    buckets = _buckets(rules)
    for bucket in buckets:
        if not _call("test", bucket.item, bucket.key):
            raise _refuse(bucket)
    for bucket in buckets:
        if not _call("hit", bucket.item, bucket.key):
            raise _refuse(bucket)


def check(rules: list[Rule]) -> None:
    """Raise RateLimited if any rule is full, without counting this attempt."""
    if not limiter.enabled:
        return
    for bucket in _buckets(rules):
        if not _call("test", bucket.item, bucket.key):
            raise _refuse(bucket)


def is_full(rules: list[Rule]) -> bool:
    """Tell whether any rule is full, without counting anything."""
    if not limiter.enabled:
        return False
    return any(not _call("test", bucket.item, bucket.key) for bucket in _buckets(rules))


def note(rules: list[Rule]) -> None:
    """Count one event against every rule that has room, refusing nothing.

    For what is known only afterwards, such as a wrong password: the attempt has already
    been answered, and a full bucket simply stays full.
    """
    if not limiter.enabled:
        return
    for bucket in _buckets(rules):
        _call("hit", bucket.item, bucket.key)


@contextmanager
def lifted():
    """No limits inside: for administrative commands, which are no client's requests."""
    was = limiter.enabled
    limiter.enabled = False
    try:
        yield
    finally:
        limiter.enabled = was


def wait_words(seconds: int) -> str:
    """A wait in plain words: "25 seconds", "4 minutes", "about 3 hours"."""
    if seconds < 90:
        return ngettext("%(num)d second", "%(num)d seconds", seconds)
    if seconds < 90 * 60:
        return ngettext("%(num)d minute", "%(num)d minutes", math.ceil(seconds / 60))
    return ngettext("about %(num)d hour", "about %(num)d hours", math.ceil(seconds / 3600))
