"""A new email address waits until its owner opens the link sent to it (double opt-in).

The account's `email` column holds only a confirmed address. An address typed at
registration or in Settings goes into pending_emails with a hash of a random token; it gets
the confirmation mail and nothing else, and is forgotten after CONFIRM_FOR if nobody opens
the link. Opening it (GET shows a button, POST confirms, so a mail scanner that fetches
links confirms nothing) makes it the account's address.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from .. import ratelimit
from ..extensions import db
from ..models import PasswordReset, PendingEmail, User
from ..models.account_email import CONFIRM_FOR
from ..notifications import mail
from ..refusals import Refusal
from .emails import is_usable


class ConfirmationError(Refusal):
    """A confirmation link that does not (or no longer) work."""

    status = 404


LINK_DOES_NOT_WORK = _l(
    "This link does not work. It may have been used already, be more than 48 hours old, or "
    "another address may have been asked for since. Log in and enter the address again in "
    "Settings to get a new link."
)


# The page says it in these words wherever an address starts waiting for confirmation
# (SENT_LINK.format(address=...), in the reader's language).
# Translators: keep {address} as it is: the email address goes there.
SENT_LINK = _l("We sent a link to {address}; until you open it, nothing else is sent there. "
               "It works for 48 hours.")


def new_token() -> tuple[str, str]:
    """A token for a link (256 random bits) and the hash that is all the database keeps."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def forget_unconfirmed(now: datetime) -> int:
    """Delete every address that waited longer than CONFIRM_FOR; no commit. Returns how many."""
    return db.session.execute(PendingEmail.forget_unconfirmed(now)).rowcount or 0


def pending_for(user: User, now: datetime) -> PendingEmail | None:
    """The address this account is waiting to confirm, unless it waited too long."""
    return db.session.scalar(select(PendingEmail).where(
        PendingEmail.user_id == user.id, PendingEmail.requested_at > now - CONFIRM_FOR))


def confirm_rules(user_id: int | None, address: str) -> list[ratelimit.Rule]:
    """Confirmation mails per account and per address they go to."""
    limit = current_app.config["EMAIL_CONFIRM_LIMIT"]
    message = _l("That is as many confirmation links as this site sends for now. "
                 "Please wait {wait}, then try again.")
    rules = [("email-confirm-to", limit, ratelimit.email_key(address), message)]
    if user_id is not None:
        rules.append(("email-confirm", limit, f"u{user_id}", message))
    return rules


def ask(user: User, address: str, now: datetime) -> str:
    """Make `address` the one this account waits to confirm, replacing any other; no commit.

    Returns the token for the link; only its hash is stored.
    """
    db.session.execute(delete(PendingEmail).where(PendingEmail.user_id == user.id))
    token, hashed = new_token()
    db.session.add(PendingEmail(user_id=user.id, email=address, token_hash=hashed,
                                requested_at=now))
    return token


def start(user: User, address: str, now: datetime) -> bool:
    """Make `address` wait for confirmation and mail it the link; False if the mail failed.

    Raises ratelimit.RateLimited past EMAIL_CONFIRM_LIMIT, for the account or the address.
    """
    ratelimit.hit(confirm_rules(user.id, address))
    forget_unconfirmed(now)
    token = ask(user, address, now)
    db.session.commit()
    return send_confirmation(address, token)


def cancel(user: User) -> bool:
    """Drop the address waiting for confirmation, if any; no commit."""
    result = db.session.execute(delete(PendingEmail).where(PendingEmail.user_id == user.id))
    return bool(result.rowcount)


def send_confirmation(address: str, token: str) -> bool:
    """Mail the link to the address being confirmed; False if the mail server failed."""
    link = url_for("auth.confirm_email", token=token, _external=True)
    return mail.send_notice(mail.confirm_email_message(address, link))


def find(token: str, now: datetime) -> PendingEmail:
    """The waiting address this link confirms; ConfirmationError if it does not work."""
    pending = db.session.scalar(select(PendingEmail).where(
        PendingEmail.token_hash == token_hash(token),
        PendingEmail.requested_at > now - CONFIRM_FOR))
    if pending is None:
        raise ConfirmationError(str(LINK_DOES_NOT_WORK))
    return pending


def confirm(token: str, now: datetime) -> User:
    """Make the waiting address the account's email; tell the address it replaces."""
    forget_unconfirmed(now)
    db.session.commit()  # forgotten even if this link turns out not to work
    pending = find(token, now)
    user = db.session.get(User, pending.user_id)
    old, user.email = user.email, pending.email
    db.session.delete(pending)
    # A reset link sent to the old address stops working now (password_reset.check_link),
    # and is kept so that it can say so.
    if old != user.email:
        db.session.execute(PasswordReset.void_for_address_change(user.id))
    db.session.commit()
    if old is not None and old != user.email and is_usable(old):
        mail.send_notice(mail.email_changed_message(old))
    return user
