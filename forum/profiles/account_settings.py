"""Settings: the owner changing their public handle, bio, default anonymity, email address
and password."""
from __future__ import annotations

from datetime import datetime

from flask_babel import format_number, gettext as _, ngettext
from sqlalchemy.exc import IntegrityError

from ..auth import email_verification
from ..auth.emails import EmailError, clean_email, is_usable
from ..auth.service import RegistrationError, confirm_password, end_sessions, handle_available
from .. import ratelimit, text
from ..clock import utcnow
from ..extensions import db
from ..models import Handle, PasswordReset, User
from ..names import name_key
from ..notifications import mail
from ..posting import refusals as posting
from ..refusals import SettingsError

BIO_MAX = 2000


def clean_bio(bio: str | None) -> str:
    """The bio as it will be stored: one kind of line break, no NULs, no outer blank space."""
    return text.normalise(bio, strip=True)


def update_profile(user: User, *, handle: str, bio: str, anonymous_by_default: bool) -> Handle:
    """Save a new public handle, bio and default for anonymous posting, all or nothing."""
    try:
        posting.check_profile_write(user, utcnow())
    except posting.PostingError as error:
        raise SettingsError("bio", error.message, getattr(error, "status", 400)) from error
    try:
        name = handle_available(handle, user)
    except RegistrationError as error:
        raise SettingsError("handle", error.message) from error
    bio = clean_bio(bio)
    if len(bio) > BIO_MAX:
        raise SettingsError("bio", ngettext(
            "That is %(num)s character; the limit is %(max)s.",
            "That is %(num)s characters; the limit is %(max)s.",
            len(bio), num=format_number(len(bio)), max=format_number(BIO_MAX)))
    public = db.session.scalar(Handle.public_of(user))
    public.name, public.name_key = name, name_key(name)
    user.bio = bio
    user.anonymous_by_default = anonymous_by_default
    try:
        db.session.commit()
    except IntegrityError as error:
        # Someone took the same name between our check and this write: the unique index wins.
        db.session.rollback()
        raise SettingsError(
            "handle", _("That handle, or one that looks like it, is taken.")
        ) from error
    return public


def change_password(user: User, *, current: str, new: str) -> None:
    """Set a new password once the current one is proven, and end every other session.

    Raises ratelimit.RateLimited once the current password was tried too often.
    """
    if not confirm_password(user, current):
        raise SettingsError("current_password", _("That is not your current password."))
    user.set_password(new)
    # Bumping the session version (and committing both) signs out every copy of the old cookie.
    end_sessions(user)
    # An owner who did not make the change hears of it; the notice names nothing else.
    if is_usable(user.email):
        mail.send_notice(mail.password_changed_message(user.email))


def end_other_sessions(user: User) -> None:
    """Sign out every other device; the caller logs this one in again with the new version."""
    end_sessions(user)


def _check_password(user: User, password: str | None) -> None:
    if not password:
        raise SettingsError("email_password",
                            _("To change the email address, enter your password too."))
    try:
        right = confirm_password(user, password)
    except ratelimit.RateLimited as limited:
        raise SettingsError("email_password", limited.message, 429,
                            limited.retry_after) from limited
    if not right:
        raise SettingsError("email_password", _("That is not your password."))


def change_email(user: User, *, email: str | None, password: str | None, now: datetime) -> str:
    """Ask a new address to confirm itself, drop the waiting one, or remove the address.

    The account's email changes only when the link sent to the new address is opened
    (email_verification.confirm). Any change needs the current password; the confirmed
    address being removed gets a notice that says only that. Returns the words that tell
    the person what happened.
    """
    try:
        address = clean_email(email)
    except EmailError as error:
        raise SettingsError("email", str(error)) from error
    email_verification.forget_unconfirmed(now)
    if address == user.email:
        cancelled = email_verification.cancel(user)
        db.session.commit()
        return (_("The address that was waiting for confirmation is dropped: nothing more "
                  "is sent to it.") if cancelled else _("Your email address is as it was."))
    _check_password(user, password)
    if address is None:
        old, user.email = user.email, None
        email_verification.cancel(user)
        db.session.execute(PasswordReset.void_for_address_change(user.id))
        db.session.commit()
        if is_usable(old):
            mail.send_notice(mail.email_changed_message(old))
        return _("Your email address is removed. The site sends you no email now.")
    try:
        sent = email_verification.start(user, address, now)
    except ratelimit.RateLimited as limited:
        raise SettingsError("email", limited.message, 429, limited.retry_after) from limited
    if not sent:
        return _("The confirmation link to %(address)s could not be sent just now. Please "
                 "try again later; your current address stays as it is.", address=address)
    return email_verification.SENT_LINK.format(address=address)
