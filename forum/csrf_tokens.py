"""A member's signed CSRF token, signed once per process rather than on every page.

Flask-WTF keeps a random token in the session and puts a signed copy of it in every form.
It signs it anew for each request that shows a form, which for a member is every page (the
header's log-out form): a JSON dump, an HMAC key derived and applied, base64 and a time
stamp, about 0.44 M instructions, some 4% of a member's page. With WTF_CSRF_TIME_LIMIT None
(forum/config.py) a signed token never expires, so a copy signed earlier for the same session
token passes validate_csrf exactly as a fresh one does. This process keeps the copy it made
for each session token, up to CSRF_TOKENS_KEPT of them (the oldest go first), and hands it
to Flask-WTF through flask.g (where generate_csrf looks first) at the start of a member's
request. Keyed by the session's own token, a copy only ever reaches the session that holds
that token; a login or a two-step confirmation starts a new session token (forum/auth), and
the old one's copy is then never asked for again.

Only requests with a logged-in account are served from here: a visitor's page asks for no
token unless it shows a form, and forum/compression.py takes a token in flask.g to mean the
page holds a secret.
"""
from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from flask import Flask, current_app, g, session

_USER_KEY = "_user_id"  # Flask-Login's key in the session


class SignedTokens:
    """Signed CSRF tokens by session token, at most `kept` of them, the oldest dropped first."""

    def __init__(self, kept: int):
        self.kept = kept
        self._tokens: OrderedDict[str, str] = OrderedDict()
        self._lock = Lock()

    def get(self, raw: str) -> str | None:
        return self._tokens.get(raw)

    def put(self, raw: str, signed: str) -> None:
        if self.kept <= 0:
            return
        with self._lock:
            self._tokens[raw] = signed
            while len(self._tokens) > self.kept:
                self._tokens.popitem(last=False)

    def __len__(self) -> int:
        return len(self._tokens)


def _field() -> str:
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def _before() -> None:
    if _USER_KEY not in session:
        return
    raw = session.get(_field())
    if isinstance(raw, str):
        signed = current_app.extensions["csrf_tokens"].get(raw)
        if signed is not None:
            setattr(g, _field(), signed)


def _after(response):
    field = _field()
    signed, raw = g.get(field), session.get(field) if _USER_KEY in session else None
    if isinstance(signed, str) and isinstance(raw, str):
        tokens: SignedTokens = current_app.extensions["csrf_tokens"]
        if tokens.get(raw) is None:
            tokens.put(raw, signed)
    return response


def init_app(app: Flask) -> None:
    if app.config.get("WTF_CSRF_TIME_LIMIT") is not None:
        return  # a signed token that expires must be signed afresh: nothing is kept
    app.extensions["csrf_tokens"] = SignedTokens(app.config.get("CSRF_TOKENS_KEPT", 4096))
    app.before_request(_before)
    app.after_request(_after)
