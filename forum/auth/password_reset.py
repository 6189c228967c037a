"""Password reset by email, for accounts with a confirmed address.

Asking (by login name or by address) is answered alike whether or not anything matched:
the same redirect, the same words, and the same work in the request (the log-in limits on
what was typed); the look-up, the token and the mail come after the answer, in a background
thread (forum/background.py). So neither the page nor its timing tells whether an account
exists.

A link holds 256 random bits; the database keeps only their hash, with the address the link
was sent to and a fingerprint of the password hash it was made under. It works once, for
RESET_FOR, and stops working as soon as the account's address or password changes.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from flask import current_app, url_for
from flask_babel import force_locale, lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from .. import background, ratelimit
from ..clock import utcnow
from ..extensions import db
from ..models import PasswordReset, User
from ..notifications import mail
from ..refusals import Refusal
from .email_verification import new_token, token_hash
from .emails import EmailError, clean_email, is_usable
from .passwords import password_problem
from .service import _login_rules, end_sessions

RESET_FOR = timedelta(hours=1)
# Used links are kept this long, so that opening one again says "used", not "unknown".
KEEP_FOR = timedelta(days=1)
# One address may serve several accounts; a request by address mails at most this many.
MAX_ACCOUNTS_PER_ADDRESS = 5


class ResetLinkError(Refusal):
    """A reset link that does not, or no longer, work; the message says which and why."""

    status = 410


class NewPasswordError(Refusal):
    """A new password the site's rule refuses."""

    field = "new_password"


UNKNOWN_LINK = _l("This link is not one this site sent, or part of it is missing. Copy the "
                  "whole link from the mail, or ask for a new one.")
USED_LINK = _l("This link has been used already. Each link works once; ask for a new one.")
EXPIRED_LINK = _l("This link has expired: each link works for one hour. Ask for a new one.")
EMAIL_CHANGED = _l("This link stopped working because the account's email address changed "
                   "after it was sent. Ask for a new one.")
PASSWORD_CHANGED = _l("This link stopped working because the account's password changed "
                      "after it was sent. Ask for a new one if you need to.")


def fingerprint(user: User) -> str:
    """What ties a link to the password it was made under: any new password changes it."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()


def _request_rules(identifier: str) -> list[ratelimit.Rule]:
    """The log-in limits, per address and per name from this address, for reset requests."""
    cfg = current_app.config
    return [
        ("reset", cfg["LOGIN_ADDRESS_LIMIT"], ratelimit.address_key(),
         _l("Password reset requests from one network address are limited, like log-ins. "
            "Please wait {wait}, then try again.")),
        ("reset-pair", cfg["LOGIN_PAIR_LIMIT"], ratelimit.pair_key(identifier),
         _l("Too many password reset requests for this login name or address from this "
            "network address. Please wait {wait}, then try again.")),
    ]


def _mail_rules(user_id: int) -> list[ratelimit.Rule]:
    # Silent: a refusal here would tell that the account exists.
    return [("reset-mail", current_app.config["RESET_MAIL_LIMIT"], f"u{user_id}", "")]


def _accounts(identifier: str) -> list[User]:
    """The accounts a login name or an address names, with a confirmed address to mail."""
    if "@" in identifier:
        try:  # as the address was stored: a domain in another script in its ASCII form
            identifier = clean_email(identifier) or identifier
        except EmailError:
            return []
        query = (select(User).where(func.lower(User.email) == identifier.lower())
                 .order_by(User.id).limit(MAX_ACCOUNTS_PER_ADDRESS))
    else:
        query = User.by_login_name(identifier)
    return [user for user in db.session.scalars(query) if is_usable(user.email)]


def request_reset(identifier: str) -> None:
    """Ask for a reset link for the account(s) `identifier` names, answering nothing.

    Only the log-in limits are applied here (they key on what was typed, never on whether
    it matched; raises ratelimit.RateLimited): the look-up and the mail happen after the
    answer (send_links), so the request does the same work and takes the same time either way.
    """
    identifier = identifier.strip()
    ratelimit.hit(_request_rules(identifier))
    background.run_later(send_links, identifier, utcnow())


def send_links(identifier: str, now: datetime) -> int:
    """Mail a reset link to the confirmed address of each account `identifier` names.

    Runs in the background; returns how many links went out. An inbox gets at most
    RESET_MAIL_LIMIT of them, silently.
    """
    db.session.execute(delete(PasswordReset).where(PasswordReset.created_at <= now - KEEP_FOR))
    outgoing = []
    for user in _accounts(identifier):
        if ratelimit.is_full(_mail_rules(user.id)):
            continue
        ratelimit.note(_mail_rules(user.id))
        token, hashed = new_token()
        db.session.add(PasswordReset(user_id=user.id, token_hash=hashed, email=user.email,
                                     password_fingerprint=fingerprint(user), created_at=now))
        # Built after the answer, outside the request: in the account's own language.
        with force_locale(getattr(user, "language", None) or "en"):
            outgoing.append(mail.password_reset_message(
                user.email, url_for("auth.reset_password", token=token, _external=True)))
    db.session.commit()
    if outgoing:
        mail.send(outgoing, timeout=mail.NOTICE_TIMEOUT)
    return len(outgoing)


def check_link(token: str, now: datetime) -> tuple[PasswordReset, User]:
    """The reset this link is for and its account; ResetLinkError saying why it can't be used."""
    reset = db.session.scalar(select(PasswordReset).where(
        PasswordReset.token_hash == token_hash(token)))
    if reset is None:
        raise ResetLinkError(str(UNKNOWN_LINK), status=404)
    if reset.used_at is not None:
        raise ResetLinkError(str(USED_LINK))
    if reset.created_at <= now - RESET_FOR:
        raise ResetLinkError(str(EXPIRED_LINK))
    user = db.session.get(User, reset.user_id)
    if user.email != reset.email:
        raise ResetLinkError(str(EMAIL_CHANGED))
    if fingerprint(user) != reset.password_fingerprint:
        raise ResetLinkError(str(PASSWORD_CHANGED))
    return reset, user


def count_try() -> None:
    """Count sending a link's form against the client address's log-in limit, like any other
    way of proving who one is; raises ratelimit.RateLimited once it is full."""
    ratelimit.hit(_login_rules("").per_address)


def set_password(token: str, new_password: str, now: datetime) -> User:
    """Use a link: the new password is set, every other session ends, the link is spent.

    Raises ResetLinkError or NewPasswordError.
    """
    reset, user = check_link(token, now)
    handle = user.public_handle
    problem = password_problem(new_password, user.login_name, handle.name if handle else None)
    if problem:
        raise NewPasswordError(problem)
    # Spent by one conditional UPDATE, so two requests racing with one link cannot both set
    # a password: the second finds it used (on PostgreSQL it waits for the first to commit).
    spent = db.session.execute(
        update(PasswordReset).where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        db.session.rollback()
        raise ResetLinkError(str(USED_LINK))
    user.set_password(new_password)
    # Every other link for this account is void too: one reset, one new password.
    db.session.execute(delete(PasswordReset).where(PasswordReset.user_id == user.id,
                                                   PasswordReset.id != reset.id))
    end_sessions(user)  # commits, and signs out every copy of the old cookies
    mail.send_notice(mail.password_changed_message(user.email))
    return user
