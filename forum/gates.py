"""Quiet bot gates, with no outside service: a honeypot field and a minimum time to fill in.

A form that carries `BotGates` gets two fields that `form.hidden_tag()` renders with the
CSRF token, so every template that shows the form has them without a change:
- `website`, a text box placed off-screen and hidden from screen readers (aria-hidden), out of
  the tab order, with autocomplete off and a label asking any human who meets it to leave it
  empty. People never see it; form-filling bots fill it in.
- `started`, the second the form was shown, signed with the app's SECRET_KEY (itsdangerous),
  so nobody can claim to have spent longer. A form sent back sooner than FORM_MIN_SECONDS
  was not typed by a person.
Nothing about the sender is kept or sent anywhere: a spam service would receive the writer's
address and email, which this site never hands out. The refusal is neutral, "try again in a
moment", and the form comes back filled in, so a person who was quick just sends it again.
"""
from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, Signer
from markupsafe import Markup, escape
from wtforms import HiddenField, StringField
from wtforms.widgets import HiddenInput

from .clock import utcnow
from .i18n import language

TRY_AGAIN = _l("Please try again in a moment. Your text is kept below.")
TRY_AGAIN_REGISTER = _l("Please try again in a moment. What you typed is kept below, except "
                        "the password, which you enter again.")
_SALT = "afterward.form-started"


def _signer() -> Signer:
    return Signer(current_app.config["SECRET_KEY"], salt=_SALT)


def _epoch(now: datetime) -> int:
    return int(now.replace(tzinfo=UTC).timestamp())


def stamp(now: datetime | None = None) -> str:
    """A signed token saying when a form was shown (now, unless a test says otherwise)."""
    return _stamp(current_app.config["SECRET_KEY"], _epoch(now or utcnow()))


@lru_cache(maxsize=4)
def _stamp(secret_key, epoch: int) -> str:
    # The same second gives the same token whoever the form is for (it holds the time and
    # nothing else), so the pages shown in one second sign once: the reply box under every
    # thread and story a member reads carries one (two HMACs each time).
    return Signer(secret_key, salt=_SALT).sign(str(epoch)).decode()


def seconds_since(token: str | None, now: datetime) -> float | None:
    """How long ago the form carrying `token` was shown; None if the token is not ours."""
    try:
        shown = int(_signer().unsign(token or "").decode())
    except (BadSignature, ValueError):
        return None
    return _epoch(now) - shown


# Read only by someone whose browser shows the hidden field (no styles, a text browser).
HONEYPOT_LABEL = _l("Leave this field empty: it is here to catch spam robots.")


def _honeypot_html(field_id: str, name: str, label: str) -> Markup:
    # Markup.format escapes each value it puts in; a lazy label is made text first (as
    # "markup" it would go in unescaped).
    return Markup(
        '<div class="gate-field" aria-hidden="true">'
        '<label for="{id}">{label}</label>'
        '<input type="text" id="{id}" name="{name}" value="" '
        'tabindex="-1" autocomplete="off"></div>').format(id=field_id, label=str(label), name=name)


class _HoneypotWidget(HiddenInput):
    """A HiddenInput as far as Flask-WTF's hidden_tag() is concerned, so the field comes with
    the CSRF token; in the page, a labelled text box off-screen, which people never reach."""

    def __call__(self, field, **kwargs):
        return _honeypot_html(field.id, field.name, field.label.text)


class _HoneypotField(StringField):
    widget = _HoneypotWidget()


class _StartedField(HiddenField):
    """Signed when the form is shown; a form sent back again keeps the first time."""

    def process(self, formdata, data=None, **kwargs):
        super().process(formdata, data, **kwargs)
        if not self.data:
            self.data = stamp()


class BotGates:
    """Mixed into a FlaskForm: the honeypot and the fill-time fields (see the module)."""

    website = _HoneypotField(HONEYPOT_LABEL)
    started = _StartedField()

    def gates_tripped(self, now: datetime) -> bool:
        """Tell whether the form looks sent by a robot: the honeypot filled in, or sent back
        sooner than FORM_MIN_SECONDS after it was shown (0 turns the time check off)."""
        if (self.website.data or "").strip():
            return True
        minimum = current_app.config["FORM_MIN_SECONDS"]
        if not minimum:
            return False
        spent = seconds_since(self.started.data, now)
        return spent is None or spent < minimum


def gate_fields() -> Markup:
    """Both fields, for a form written by hand in a template (the reply box under a thread
    and a story, on every page a member reads: the honeypot made once per language, the
    stamp put in by plain formatting, 0.09 ms of the page with Markup.format twice)."""
    # Our markup; the stamp is ours too (base64 and a dot), escaped all the same.
    return _honeypot(language()) + Markup(  # nosec B704
        f'<input type="hidden" name="started" value="{escape(stamp())}">')


@lru_cache(maxsize=16)
def _honeypot(lang: str) -> Markup:
    return _honeypot_html("website", "website", HONEYPOT_LABEL)
