"""Accounts: creating them, checking passwords, loading the logged-in person."""
from __future__ import annotations

from datetime import datetime

from flask import current_app, redirect, request, url_for
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from .. import ratelimit
from ..errors import pending_fields, resubmit_page
from ..extensions import db
from ..models import PUBLIC, Handle, User
from ..names import HandleNameError, check_public_name, name_key

# Prefix of the fields a login form carries for a write that was interrupted by a logout.
RESUME = "resume__"

# Checked when no account matches, so a wrong login name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a real password", method="scrypt")


class RegistrationError(ValueError):
    """Why an account could not be created, phrased for the form field it concerns."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def handle_available(name: str, user: User | None = None) -> str:
    """Return the cleaned public handle, or raise RegistrationError if it can't be used."""
    try:
        name = check_public_name(name)
    except HandleNameError as error:
        raise RegistrationError("handle", str(error)) from error
    clash = db.session.scalar(
        select(Handle).where(Handle.kind == PUBLIC, Handle.name_key == name_key(name))
    )
    if clash is not None and (user is None or clash.user_id != user.id):
        raise RegistrationError("handle", "That handle, or one that looks like it, is taken.")
    return name


def register(*, login_name: str, handle: str, password: str, email: str | None,
             now: datetime) -> User:
    """Create an account with its public handle."""
    login_name = login_name.strip().lower()
    ratelimit.check(_register_rules())
    handle = handle_available(handle)
    if db.session.scalar(User.by_login_name(login_name)) is not None:
        raise RegistrationError("login_name", "That login name cannot be used. Please choose another.")
    user = User(login_name=login_name, email=(email or "").strip() or None, role="member",
                bio="", created_at=now)
    user.set_password(password)
    ratelimit.hit(_register_rules())
    db.session.add(user)
    db.session.add(Handle(user=user, name=handle, name_key=name_key(handle), kind=PUBLIC,
                          created_at=now))
    db.session.commit()
    return user


def _login_rules(login_name: str) -> tuple[list[ratelimit.Rule], list[ratelimit.Rule]]:
    cfg = current_app.config
    message = "Too many attempts to log in. Please wait {wait}, then try again."
    per_address = [("login", cfg["LOGIN_ADDRESS_LIMIT"], ratelimit.address_key(), message)]
    per_name = [("login-name", cfg["LOGIN_NAME_LIMIT"], ratelimit.name_key(login_name), message)]
    return per_address, per_name


def limited_authenticate(login_name: str, password: str) -> User | None:
    """authenticate(), within the log-in limits (raises ratelimit.RateLimited).

    Every attempt counts against the client address; failed ones also count against the
    login name, so guessing one account's password from many addresses is stopped too.
    """
    per_address, per_name = _login_rules(login_name)
    ratelimit.check(per_name)
    ratelimit.hit(per_address)
    user = authenticate(login_name, password)
    if user is None:
        try:
            ratelimit.hit(per_name)
        except ratelimit.RateLimited:
            pass  # this attempt failed anyway; the next one is refused by check()
    return user


def _register_rules() -> list[ratelimit.Rule]:
    return [("register", current_app.config["REGISTER_LIMIT"], ratelimit.address_key(),
             "This network has opened the most accounts allowed for one day. "
             "Please wait {wait}, then try again.")]


def authenticate(login_name: str, password: str) -> User | None:
    """The account for these credentials, or None, taking the same time either way."""
    user = db.session.scalar(User.by_login_name(login_name))
    if user is None:
        User(password_hash=_DUMMY_HASH).check_password(password)
        return None
    return user if user.check_password(password) else None


def end_sessions(user: User) -> None:
    """Invalidate every cookie issued to this account so far."""
    user.session_version += 1
    db.session.commit()


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None: no redirect may leave the site."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(c in target for c in "\r\n\\") or ":" in target.split("?", 1)[0]:
        return None
    return target


def resumed_fields(form) -> list[tuple[str, str]]:
    """The interrupted write's fields carried through a login form, unprefixed."""
    return [(k[len(RESUME):], v) for k, v in form.items(multi=True) if k.startswith(RESUME)]


def _load_user(token: str) -> User | None:
    user_id, _, version = token.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version):
        return None
    return user


def _unauthorized():
    if request.method == "POST":
        # The login expired while writing: keep the text and let them log in to send it.
        return resubmit_page(
            "You are not logged in any more, so nothing was saved yet. Your text is below. "
            "Log in here and you can send it again.",
            401, action=url_for("auth.login", next=request.full_path.rstrip("?")),
            fields=[(RESUME + k, v) for k, v in pending_fields()], needs_login=True,
        )
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def init_login(manager) -> None:
    manager.user_loader(_load_user)
    manager.unauthorized_handler(_unauthorized)
    manager.session_protection = "basic"
