"""Recovery codes: ten single-use codes that get a member back in without the password.

How they are kept: each code is 16 random characters of Crockford's base32 (80 bits), shown
once as `xxxx-xxxx-xxxx-xxxx`, and stored only as a SHA-256 of the account id and the code.
A slow password hash (scrypt) exists to make guessing a *chosen*, low-entropy secret from a
stolen hash expensive. These codes are not chosen: with 2**80 possibilities, a leaked table
hashed at ten billion SHA-256 a second still takes millions of years per code. Slowness
would buy nothing, while it would cost ten scrypt runs per try (a code has to be compared
with each unused one) and make the guess-per-request cost an easy lever for overloading the
site. A fast hash also lets one indexed query find and spend a code atomically.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from flask import session
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from sqlalchemy import delete, func, select, update

from .. import ratelimit
from ..extensions import db
from ..models import RecoveryCode, User
from ..notifications import mail
from ..refusals import Refusal
from . import service
from .emails import is_usable

CODE_COUNT = 10
# When this few are left, the member is urged to make new ones.
FEW_LEFT = 3
# Crockford's base32: no I, L, O or U, so nothing reads as another character.
ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
CODE_LENGTH = 16  # 16 characters of 5 bits: 80 bits
# What people mistype for a code character: read as Crockford's decoding does.
_FOLD = str.maketrans({"o": "0", "i": "1", "l": "1"})

# One answer for a missing login name, an unknown code and a spent one: the page must not
# tell whether an account exists or which of its codes were used.
NO_MATCH = _l("That login name and recovery code do not match an account, or the code was "
              "already used. Each code works once. Check for typing mistakes and try again.")


class RecoveryError(Refusal):
    """A recovery that could not be done, phrased for the form field it concerns."""

    def __init__(self, field: str, message: str, status: int = 400):
        super().__init__(message, field=field, status=status)


# Set in the session at registration: for a while, the first codes may be made without the
# password. Not for long: a new member who skipped the step and left a shared computer
# logged in must not let the next person make codes (and so set a new password).
JUST_REGISTERED = "recovery_first_codes"
FIRST_CODES_WINDOW = timedelta(minutes=30)


def _seconds(now: datetime) -> int:
    return int(now.replace(tzinfo=UTC).timestamp())


def mark_just_registered(now: datetime) -> None:
    """Let this new login make its account's first codes, without the password, for a while."""
    session[JUST_REGISTERED] = _seconds(now)


def may_make_first_codes(user: User, now: datetime) -> bool:
    """Tell whether this session may make the account's first codes without the password:
    only soon after registering, and only while the account never had any."""
    stamp = session.get(JUST_REGISTERED)
    if not isinstance(stamp, int) or _seconds(now) - stamp > FIRST_CODES_WINDOW.total_seconds():
        session.pop(JUST_REGISTERED, None)
        return False
    never_had = db.session.scalar(
        select(RecoveryCode.id).where(RecoveryCode.user_id == user.id).limit(1)) is None
    if not never_had:
        session.pop(JUST_REGISTERED, None)
    return never_had


def _new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise(code: str | None) -> str | None:
    """The code as stored (16 lowercase characters), or None if it cannot be one."""
    cleaned = "".join((code or "").split()).replace("-", "").lower().translate(_FOLD)
    if len(cleaned) != CODE_LENGTH or any(c not in ALPHABET for c in cleaned):
        return None
    return cleaned


def looks_like_code(text: str | None) -> bool:
    """Tell whether `text` has the shape of a recovery code (rather than a 6-digit one)."""
    return normalise(text) is not None


def _hash(user_id: int, code: str) -> str:
    return hashlib.sha256(f"afterward-recovery:{user_id}:{code}".encode()).hexdigest()


def issue_codes(user: User, now: datetime) -> list[str]:
    """Make ten new codes for the account, voiding every older one; returns them to show once."""
    codes = [_new_code() for _ in range(CODE_COUNT)]
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(user.id, normalise(code)),
                                    created_at=now) for code in codes)
    db.session.commit()
    return codes


def remaining(user: User) -> int:
    """How many of the account's codes are still unused."""
    return db.session.scalar(
        select(func.count()).select_from(RecoveryCode.unused_of(user.id).subquery()))


def spend(user_id: int, code: str | None, now: datetime) -> bool:
    """Use up one unused code of the account; tell whether there was one to use.

    One conditional UPDATE, so two requests racing with the same code cannot both win. The
    same query runs for an unknown account (id 0) or a malformed code, taking the same time.
    """
    cleaned = normalise(code) or "-"
    result = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.code_hash == _hash(user_id, cleaned),
               RecoveryCode.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1 and normalise(code) is not None


def recover(*, login_name: str, code: str, new_password: str, now: datetime) -> tuple[User, int]:
    """Spend a recovery code, set a new password and end every session; returns the account
    and how many codes are left.

    Within the log-in limits, exactly as limited_authenticate counts them: a code is one more
    way of proving who you are. Raises ratelimit.RateLimited, or RecoveryError with one
    answer for an unknown name, a wrong code and a spent one.
    """
    rules = service._login_rules(login_name)
    under_attack = ratelimit.is_full(rules.per_name)
    ratelimit.check(rules.per_pair + (rules.per_pair_under_attack if under_attack else []))
    ratelimit.hit(rules.per_address)
    user = db.session.scalar(User.by_login_name(login_name))
    if not spend(user.id if user is not None else 0, code, now) or user is None:
        ratelimit.note(rules.per_pair + rules.per_pair_under_attack + rules.per_name)
        raise RecoveryError("code", str(NO_MATCH))
    user.set_password(new_password)
    service.end_sessions(user)  # commits the password with the new session version
    # As for every other new password: a confirmed address hears of it, and of nothing else,
    # so an owner whose written-down codes were found learns that someone used one.
    if is_usable(user.email):
        mail.send_notice(mail.password_changed_message(user.email))
    return user, remaining(user)


def remaining_words(left: int) -> str:
    """What to tell a member about the codes they have left."""
    if left == 0:
        return _("You have no recovery codes left. Make new ones now in Settings, or you "
                 "cannot get back in if you lose your password again.")
    words = ngettext("You have %(num)d recovery code left.",
                     "You have %(num)d recovery codes left.", left)
    if left <= FEW_LEFT:
        words += " " + _("That is few: make new ones in Settings and write them down.")
    return words

