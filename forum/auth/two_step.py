"""Two-step login: after the password, a code from an authenticator app (TOTP, RFC 6238).

Setting it up shows the secret once, as a QR code drawn here as inline SVG (no image from
anywhere else) and as text; it is switched on only once a code from the app is entered.
At log-in a correct password leaves only a short-lived "password ok" mark in the session;
the login itself starts when the code (or a recovery code, once) is right. Every code is
good once: the time step of the last accepted one is kept and nothing older or equal passes.
"""
from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta

import pyotp
import segno
from flask import current_app, g, session
from flask_babel import gettext as _, lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import delete, update

from .. import ratelimit
from ..extensions import db
from ..models import TwoStepSecret, User
from ..refusals import SettingsError
from . import recovery
from .service import confirm_password

STEP_SECONDS = 30
# Codes from the step before and after are accepted too: phone clocks drift.
DRIFT_STEPS = 1
# How long the "password ok" mark lasts before the password has to be typed again.
PENDING_SECONDS = 300
PENDING = "two_step_pending"
# How long a set-up started with the password may be finished without typing it again. A
# set-up left unfinished must not let whoever next uses a logged-in browser switch two-step
# login on with a secret of their own, locking the owner out: every other change to how one
# logs in asks for the password.
SETUP_LASTS = timedelta(minutes=15)

WRONG_CODE = _l("That code is not right, or it was already used. Codes change every 30 "
                "seconds: type the one your app shows now.")


def secret_of(user: User) -> TwoStepSecret | None:
    return db.session.get(TwoStepSecret, user.id)


def is_on(user: User) -> bool:
    """Tell whether logging in to this account needs a code after the password."""
    row = secret_of(user)
    return row is not None and row.is_enabled


def _step(now: datetime) -> int:
    return int(now.replace(tzinfo=UTC).timestamp()) // STEP_SECONDS


def _code_rules(user: User) -> list[ratelimit.Rule]:
    cfg = current_app.config
    return [
        ("two-step", cfg["TWO_STEP_LIMIT"], f"u{user.id}",
         # Translators: {wait} is a length of time, keep it as it is; "Forgot your
         # password?" is the link on the log-in page, in its translated words.
         _l("That is as many wrong codes as this site allows for now. Please wait {wait}, then "
            "try again. Until then no code is taken here, recovery codes included; one of "
            "those can still set a new password, under \"Forgot your password?\" on the "
            "log-in page.")),
        ("two-step-address", cfg["TWO_STEP_ADDRESS_LIMIT"], ratelimit.address_key(),
         _l("Wrong codes from one network address are limited, to keep guessing off the "
            "site. Please wait {wait}, then try again.")),
    ]


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code is `code` (within the drift allowed), or None."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    step = _step(now)
    for candidate in range(step - DRIFT_STEPS, step + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def _use_step(row: TwoStepSecret, code: str, now: datetime) -> bool:
    """Accept `code` for this secret once: no step at or before the last one used passes."""
    step = _matching_step(row.secret, code, now)
    if step is None:
        return False
    # Conditional, so two requests with one code cannot both pass.
    result = db.session.execute(
        update(TwoStepSecret)
        .where(TwoStepSecret.user_id == row.user_id,
               (TwoStepSecret.last_step.is_(None)) | (TwoStepSecret.last_step < step))
        .values(last_step=step).execution_options(synchronize_session=False))
    return result.rowcount == 1


def check_code(user: User, code: str | None, now: datetime, *,
               recovery_allowed: bool = True) -> tuple[bool, bool]:
    """Check a code for an account with two-step on; returns (accepted, was a recovery code).

    Wrong codes count against the account and the address; past TWO_STEP_LIMIT every try is
    refused (raises ratelimit.RateLimited) until the wait is over.
    """
    rules = _code_rules(user)
    ratelimit.check(rules)
    code = code or ""
    row = secret_of(user)
    if recovery_allowed and recovery.looks_like_code(code):
        accepted, used_recovery = recovery.spend(user.id, code, now), True
    else:
        accepted = row is not None and row.is_enabled and _use_step(row, code, now)
        used_recovery = False
        db.session.commit()
    if not accepted:
        ratelimit.note(rules)
    return accepted, used_recovery


# --- setting up and switching off ----------------------------------------------------------

def start_setup(user: User, password: str, now: datetime) -> TwoStepSecret:
    """Make a new, not yet active secret for the account once the password is proven.

    Raises SettingsError (wrong password, or two-step is already on) or RateLimited.
    """
    if is_on(user):
        raise SettingsError("current_password", _("Two-step login is already on."))
    if not confirm_password(user, password):
        raise SettingsError("current_password", _("That is not your current password."))
    db.session.execute(delete(TwoStepSecret).where(TwoStepSecret.user_id == user.id))
    row = TwoStepSecret(user_id=user.id, secret=pyotp.random_base32(), created_at=now)
    db.session.add(row)
    db.session.commit()
    return row


def pending_setup(user: User, now: datetime) -> TwoStepSecret | None:
    """The secret being set up (shown, not yet confirmed), while SETUP_LASTS allows."""
    row = secret_of(user)
    if row is None or row.is_enabled or row.created_at + SETUP_LASTS < now:
        return None
    return row


def finish_setup(user: User, code: str, now: datetime) -> None:
    """Switch two-step login on once a code from the new secret is right.

    Raises SettingsError or RateLimited (the same limit as codes at log-in).
    """
    row = pending_setup(user, now)
    if row is None:
        raise SettingsError("code", _("There is no set-up in progress. Please start again."))
    rules = _code_rules(user)
    ratelimit.check(rules)
    step = _matching_step(row.secret, code or "", now)
    if step is None:
        ratelimit.note(rules)
        raise SettingsError("code", str(WRONG_CODE))
    row.enabled_at, row.last_step = now, step
    db.session.commit()


def switch_off(user: User, password: str, code: str, now: datetime) -> None:
    """Turn two-step login off, once both the password and a code are right."""
    if not confirm_password(user, password):
        raise SettingsError("current_password", _("That is not your current password."))
    accepted, _recovery = check_code(user, code, now)
    if not accepted:
        raise SettingsError("code", str(WRONG_CODE))
    db.session.execute(delete(TwoStepSecret).where(TwoStepSecret.user_id == user.id))
    db.session.commit()


def provisioning_uri(row: TwoStepSecret) -> str:
    """What the QR code holds. It names the site only, never the login name or handle:
    the list in an authenticator app is easily seen by whoever holds the phone."""
    return pyotp.TOTP(row.secret).provisioning_uri(
        name=current_app.config["SITE_NAME"], issuer_name=current_app.config["SITE_NAME"])


def qr_svg(row: TwoStepSecret) -> Markup:
    """The set-up QR code as an inline SVG element, which the CSP allows (no image request)."""
    label = _("QR code for your authenticator app")
    svg = segno.make(provisioning_uri(row), error="m").svg_inline(
        scale=4, border=4, dark="#000", light="#fff", title=label, svgclass="qr")
    # Screen readers announce it as one image with that name. The SVG is segno's drawing of
    # our own provisioning URI (the secret and SITE_NAME), its title escaped by segno: no
    # user text is in it. The label is escaped here, as a translation may hold a quote.
    labelled = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    return Markup(labelled)  # nosec B704


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


# --- the log-in between the password and the code ------------------------------------------

def mark_password_ok(user: User, *, remember: bool, next_url: str | None,
                     now: datetime) -> None:
    """Remember in the session, for a few minutes, that this account's password was right."""
    session.clear()
    # A form on the page after this must carry a token from the new session, not the old.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    session[PENDING] = {"user": user.id, "version": user.session_version,
                        "until": int(now.replace(tzinfo=UTC).timestamp()) + PENDING_SECONDS,
                        "remember": bool(remember), "next": next_url}


def pending_login(now: datetime) -> tuple[User, dict] | None:
    """The account whose password was just right, while the mark is fresh; else None."""
    mark = session.get(PENDING)
    if not isinstance(mark, dict) or mark.get("until", 0) < now.replace(tzinfo=UTC).timestamp():
        session.pop(PENDING, None)
        return None
    user = db.session.get(User, mark.get("user"))
    if user is None or user.session_version != mark.get("version") or not is_on(user):
        session.pop(PENDING, None)
        return None
    return user, mark
