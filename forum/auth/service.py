"""Accounts: creating them, checking passwords, loading the logged-in person."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

from flask import current_app, g, redirect, request, session, url_for
from flask_babel import format_number, gettext as _, lazy_gettext as _l
from flask_login import login_user, logout_user
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from .. import ratelimit, site_settings, text
from ..clock import utcnow
from ..errors import pending_fields, resubmit_page
from ..extensions import db
from ..models import PUBLIC, Handle, User
from ..models.accounts import APPROVED, PENDING
from ..names import HandleNameError, check_public_name, name_key
from ..refusals import Refusal
from . import invitations
from .emails import EmailError, clean_email

# Prefix of the fields a login form carries for a write that was interrupted by a logout.
RESUME = "resume__"

def _dummy_hash() -> str:
    """Checked when no account matches, so a wrong login name costs as long as a wrong password."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    cached = current_app.extensions.get("forum.dummy_hash")
    if cached is None or cached[0] != method:
        cached = (method, generate_password_hash("not a real password", method=method))
        current_app.extensions["forum.dummy_hash"] = cached
    return cached[1]

# One answer for every login name that can't be had, whether it is taken, looks like a taken
# one, or is reserved: the refusal alone does not prove that an account exists. These are its
# English words (what the tests look for); register() says them in the reader's language.
LOGIN_NAME_REFUSED = "That login name cannot be used. Please choose another."
# Folded together so that "jane.doe", "jane_doe" and "jane-d0e" are one login name.
_LOGIN_FOLDS = ((".", ""), ("_", ""), ("-", ""), ("0", "o"), ("1", "l"), ("i", "l"))
RESERVED_LOGIN_NAMES = frozenset({
    "abuse", "admin", "administrator", "afterward", "anonymous", "deleted", "guest", "help",
    "hostmaster", "mod", "moderator", "moderators", "noreply", "null", "official", "owner",
    "postmaster", "root", "security", "staff", "support", "system", "webmaster",
})

# What the signed session cookie knows about the login, in whole minutes since the epoch.
# Activity is kept there, in the browser's own cookie, and never in the database.
LOGIN_AT, SEEN_AT, REMEMBERED = "login_at", "seen_at", "remembered"
_LOGIN_KEYS = ("_user_id", "_fresh", "_id", LOGIN_AT, SEEN_AT, REMEMBERED)
CLOCK_SKEW_MINUTES = 5


class RegistrationError(Refusal):
    """Why an account could not be created, phrased for the form field it concerns."""

    def __init__(self, field: str, message: str):
        super().__init__(message, field=field)


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
        raise RegistrationError("handle", _("That handle, or one that looks like it, is taken."))
    return name


JOIN_REASON_MAX = 1000


def register(*, login_name: str, handle: str, password: str, email: str | None,
             now: datetime, reason: str | None = None, invitation: str | None = None,
             mode: str | None = None) -> User:
    """Create an account with its public handle, in the site's registration mode (`mode`
    says another: an administrator's command makes accounts whatever the mode).

    Open: the account writes at once. By approval: `reason` (why they are here) is required
    and the account waits, reading only, for a moderator. By invitation: `invitation` must be
    a code that is unused and unexpired, and this registration uses it up.

    `email` is checked here but not stored: an address waits for its owner to confirm it
    (email_verification.start), and the account's email is only ever a confirmed one.
    """
    login_name = login_name.strip().lower()
    # Once either limit is full every attempt is refused alike, taken name or not.
    ratelimit.check(_register_rules() + _refused_name_rules())
    try:
        clean_email(email)
    except EmailError as error:
        raise RegistrationError("email", str(error)) from error
    mode = mode or site_settings.registration_mode()
    code = invitations.check(invitation, now) if mode == site_settings.INVITATION else None
    reason = text.normalise(reason, strip=True)
    if mode == site_settings.APPROVAL and not reason:
        raise RegistrationError("reason", _("Please say in a few words why you are here: a "
                                            "moderator reads it before your account can "
                                            "write."))
    if len(reason) > JOIN_REASON_MAX:
        raise RegistrationError("reason", _("Please keep it under %(num)s characters.",
                                            num=format_number(JOIN_REASON_MAX)))
    user = User(login_name=login_name, email=None, role="member", bio="", created_at=now,
                approval_state=PENDING if mode == site_settings.APPROVAL else APPROVED,
                join_reason=reason if mode == site_settings.APPROVAL else None)
    # Hashed before any check, so a refused login name costs as long as an accepted one.
    user.set_password(password)
    handle = handle_available(handle)
    if not login_name_available(login_name):
        # Refusals are counted too, so nobody can test login names one after another.
        ratelimit.hit(_refused_name_rules())
        raise RegistrationError("login_name",
                                _("That login name cannot be used. Please choose another."))
    ratelimit.hit(_register_rules())
    db.session.add(user)
    db.session.add(Handle(user=user, name=handle, name_key=name_key(handle), kind=PUBLIC,
                          created_at=now))
    if code is not None:
        db.session.flush()
        try:
            invitations.redeem(code, user, now)
        except invitations.InvitationError:
            db.session.rollback()
            raise
    db.session.commit()
    return user


class LoginRules(NamedTuple):
    """The log-in limits one attempt with one login name meets (see LOGIN_* in config.py)."""

    per_address: list[ratelimit.Rule]  # every attempt from this address, whatever the name
    per_pair: list[ratelimit.Rule]  # failures with this name from this address
    per_pair_under_attack: list[ratelimit.Rule]  # the same failures, the tighter budget
    per_name: list[ratelimit.Rule]  # failures with this name from anywhere; never refuses


def _login_rules(login_name: str) -> LoginRules:
    cfg = current_app.config
    # The same words whether or not an account has this name: a refusal proves nothing.
    # Lazy, like every rate-limit message: put into words only if a refusal is shown.
    # Translators: {wait} is a length of time such as "4 minutes"; keep {wait} as it is.
    pair_message = _l("Too many failed log-ins with this login name from this network "
                      "address. Please wait {wait}, then try again.")
    pair = ratelimit.pair_key(login_name)
    return LoginRules(
        per_address=[("login", cfg["LOGIN_ADDRESS_LIMIT"], ratelimit.address_key(),
                      _l("Log-ins from one network address are limited, to keep password "
                         "guessing off the site. Please wait {wait}, then try again."))],
        per_pair=[("login-pair", cfg["LOGIN_PAIR_LIMIT"], pair, pair_message)],
        per_pair_under_attack=[("login-pair-attacked", cfg["LOGIN_PAIR_LIMIT_UNDER_ATTACK"],
                                pair, pair_message)],
        per_name=[("login-name", cfg["LOGIN_NAME_LIMIT"], ratelimit.name_key(login_name), "")],
    )


def limited_authenticate(login_name: str, password: str) -> User | None:
    """authenticate(), within the log-in limits (raises ratelimit.RateLimited).

    Every attempt counts against the client address. Failures count against the login name
    tried from this address, which is what stops a guesser, and against the name from
    anywhere. That last count never refuses anyone, or guessing from many addresses would
    lock the owner out: once it is full the name is under attack, and every address gets
    the tighter budget for it. An address that has not failed with the name still has that
    one try, so its owner gets in with the right password.
    """
    rules = _login_rules(login_name)
    under_attack = ratelimit.is_full(rules.per_name)
    ratelimit.check(rules.per_pair + (rules.per_pair_under_attack if under_attack else []))
    ratelimit.hit(rules.per_address)
    user = authenticate(login_name, password)
    if user is None:
        ratelimit.note(rules.per_pair + rules.per_pair_under_attack + rules.per_name)
    return user


def _register_rules() -> list[ratelimit.Rule]:
    # Lazy: register() also runs from administrators' commands, where no refusal is shown.
    return [("register", current_app.config["REGISTER_LIMIT"], ratelimit.address_key(),
             _l("New accounts from one network address are limited, to keep floods of "
                "accounts off the site. Please wait {wait}, then try again."))]


def _refused_name_rules() -> list[ratelimit.Rule]:
    return [("register-refused", current_app.config["REGISTER_REFUSED_LIMIT"],
             ratelimit.address_key(),
             _l("Login names that cannot be used are limited per network address, so that "
                "nobody can test which ones exist. Please wait {wait}, then try again."))]


def _fold_login(name):
    """`name` with look-alike characters and separators folded (a string or a SQL column)."""
    for old, new in _LOGIN_FOLDS:
        name = name.replace(old, new) if isinstance(name, str) else func.replace(name, old, new)
    return name


def login_name_available(login_name: str) -> bool:
    """Tell whether a new account may take this (lower-cased) login name."""
    folded = _fold_login(login_name)
    if folded in {_fold_login(name) for name in RESERVED_LOGIN_NAMES}:
        return False
    # Folds every account's name: registration is rare and rate-limited, and the query costs
    # the same whether or not a match exists.
    clash = db.session.scalar(
        select(User.id).where(_fold_login(User.login_name) == folded).limit(1)
    )
    return clash is None


def authenticate(login_name: str, password: str) -> User | None:
    """The account for these credentials, or None, taking the same time either way."""
    user = db.session.scalar(User.by_login_name(login_name))
    if user is None:
        User(password_hash=_dummy_hash()).check_password(password)
        return None
    return user if user.check_password(password) else None


def confirm_password(user: User, password: str | None) -> bool:
    """Tell whether `password` is the account's current one, counting the try.

    One count for every action that asks for the current password (changing it or the
    email, deleting the account): from a borrowed, logged-in browser, guessing it stays
    slow. Raises ratelimit.RateLimited past PASSWORD_CHECK_LIMIT.
    """
    ratelimit.hit([("password-check", current_app.config["PASSWORD_CHECK_LIMIT"], f"u{user.id}",
                    _l("That is as many tries with your current password as this site "
                       "allows for now. Please wait {wait}, then try again."))])
    return bool(password) and user.check_password(password)


def end_sessions(user: User) -> None:
    """Invalidate every cookie issued to this account so far."""
    user.session_version += 1
    db.session.commit()


def _minute(now: datetime) -> int:
    return int(now.replace(tzinfo=UTC).timestamp()) // 60


def start_session(user: User, *, remember: bool, now: datetime,
                  login_at: int | None = None) -> None:
    """Log `user` in on this browser in a brand-new session: nothing planted before survives."""
    session.clear()
    # A form on the page after this must carry a token from the new session, not the old.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    login_user(user, remember=remember)
    session.pop("_id", None)  # Flask-Login's hash of address and user agent (init_login)
    stamp = _minute(now) if login_at is None else login_at
    # The login time rides in the identity token too, so that the remember-me cookie (which
    # carries nothing else) has an absolute end that the server checks, not only the browser.
    session["_user_id"] = f"{user.get_id()}:{stamp}"
    session.update({LOGIN_AT: stamp, SEEN_AT: _minute(now), REMEMBERED: remember})
    if not remember:
        # A remember-me cookie left from an earlier login must not outlive this one.
        session["_remember"] = "clear"


def renew_session(user: User, now: datetime) -> None:
    """Give this browser a cookie for the account's new session version, same login time."""
    start_session(user, remember=bool(session.get(REMEMBERED)), now=now,
                  login_at=session.get(LOGIN_AT))


def log_out(user: User) -> None:
    """End this login here and on every browser its cookies were copied to."""
    end_sessions(user)
    session.clear()
    logout_user()


def _login_alive(login_at: int, now: int) -> bool:
    """Tell whether the login stamped `login_at` may go on at minute `now`; note the visit."""
    config = current_app.config
    if session.get(LOGIN_AT) != login_at:
        # The session has no record of this login: the remember-me cookie is restoring it
        # after the browser was closed (only a remembered login ever gets that cookie).
        session.update({LOGIN_AT: login_at, SEEN_AT: now, REMEMBERED: True})
    remembered = bool(session.get(REMEMBERED))
    lifetime = config["REMEMBER_COOKIE_DURATION" if remembered else "PERMANENT_SESSION_LIFETIME"]
    # A login stamped by another host whose clock runs a little ahead is not from the future.
    if not -CLOCK_SKEW_MINUTES <= now - login_at <= lifetime.total_seconds() // 60:
        return False
    idle = config["SESSION_IDLE_TIMEOUT"].total_seconds() // 60
    if not remembered and now - session.get(SEEN_AT, login_at) > idle:
        return False
    if session.get(SEEN_AT) != now:
        session[SEEN_AT] = now  # so the cookie changes at most once a minute
    return True


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None: no redirect may leave the site."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    # Browsers drop tabs and line breaks inside a URL ("/\t/evil" becomes "//evil") and read
    # a backslash as a slash, so any of them could turn a path into another site's address.
    if any(ord(c) < 0x20 or c in "\x7f\\" for c in target) or ":" in target.split("?", 1)[0]:
        return None
    return target


def resumed_fields(form) -> list[tuple[str, str]]:
    """The interrupted write's fields carried through a login form, unprefixed."""
    return [(k[len(RESUME):], v) for k, v in form.items(multi=True) if k.startswith(RESUME)]


def _load_user(token: str) -> User | None:
    """The account a session or remember-me token names, if that login is still current."""
    parts = token.split(":")
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() and len(p) <= 12 for p in parts):
        return _forget_login()
    user_id, version, login_at = map(int, parts)
    if not _login_alive(login_at, _minute(utcnow())):
        return _forget_login()
    # With the header's unread count in the same statement, for a page read.
    from ..notifications.service import load_reader
    user = load_reader(user_id)
    # A logout or password change bumps the version, ending every copy of the old cookies.
    if user is None or user.session_version != version:
        return _forget_login()
    # A login older than its account was another account's, whose row id this one reuses:
    # after a restore from a backup, say, an account made since holds the id of one that was
    # made after the backup and is gone (README.md, "Backups").
    if login_at < _minute(user.created_at) - CLOCK_SKEW_MINUTES:
        return _forget_login()
    return user


def _forget_login() -> None:
    for key in _LOGIN_KEYS:
        session.pop(key, None)
    return None


def _unauthorized():
    if request.method == "POST":
        # The login expired while writing: keep the text and let them log in to send it.
        return resubmit_page(
            _("You are not logged in any more, so nothing was saved yet. Your text is below. "
              "Log in here and you can send it again."),
            401, action=url_for("auth.login", next=request.full_path.rstrip("?")),
            fields=[(RESUME + k, v) for k, v in pending_fields()], needs_login=True,
        )
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def init_login(manager) -> None:
    manager.user_loader(_load_user)
    manager.unauthorized_handler(_unauthorized)
    # No session protection: Flask-Login's would put a hash of the browser's network address
    # and user agent in the cookie ("_id"), unsalted (an IPv4 address is found back from it in
    # minutes by whoever holds the cookie), and compute it on every request. Its "basic" mode
    # only marks a session no longer fresh, which nothing here asks; a stolen cookie is ended
    # by logging out or changing the password (session_version), and idles out (SEEN_AT).
    manager.session_protection = None
