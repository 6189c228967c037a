"""The language a page speaks: Flask-Babel, the catalogues in forum/translations, and who
chooses.

A member's own setting wins, else the cookie the language switcher sets (any visitor, no
JavaScript), else the browser's Accept-Language, else English. The choice is made once per
request (Flask-Babel keeps it on the request's context).

Everything rendered once and kept for many readers (the post trees of forum/threads/cache.py,
the search lists of forum/search/results.py) is kept per language: their keys hold
`language()`.
"""
from __future__ import annotations

from flask import g, has_request_context, request
from flask_babel import get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from .extensions import babel

# The site's languages, each named in itself (as the switcher shows them), in the order shown.
LANGUAGES = {"en": "English", "de": "Deutsch", "es": "Español"}
DEFAULT = "en"
# The switcher's cookie: a year, for the whole site, never sent to another site.
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


def chosen_language() -> str:
    """The language of this request: the member's setting, the switcher's cookie, the
    browser's preference, or English (outside a request, a command's words: English)."""
    if not has_request_context():
        return DEFAULT
    setting = getattr(current_user, "language", None) if current_user.is_authenticated else None
    if setting in LANGUAGES:
        return setting
    cookie = request.cookies.get(COOKIE)
    if cookie in LANGUAGES:
        return cookie
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT)


def language() -> str:
    """This request's language code (its `<html lang>`), e.g. "de"."""
    locale = get_locale()
    return str(locale) if locale is not None else DEFAULT


def text_direction() -> str:
    """"ltr" or "rtl", for `<html dir>`: from the language's own data in Babel's CLDR."""
    locale = get_locale()
    return locale.text_direction if locale is not None else "ltr"


def _vary(response):
    """A page's words depend on the cookie and the browser's languages: a shared cache must
    keep one copy for each (a German reader is never handed the English page)."""
    if response.mimetype == "text/html":
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response


def _catalogue():
    """The catalogue Flask-Babel chose for this request, looked up once per request rather
    than once per word: its own lookup reads context-locals about ten times a word (13-16
    µs; the frame of every page alone has some 35 words). Kept beside Flask-Babel's own
    per-request state and tied to its locale, so force_locale() still gets its language."""
    state = g.get("_flask_babel")
    kept = getattr(state, "afterward_catalogue", None)
    if kept is not None and kept[0] is getattr(state, "babel_locale", None):
        return kept[1]
    catalogue = get_translations()
    state = g.get("_flask_babel")
    if state is not None:  # in a request or an app context (else: English, not kept)
        state.afterward_catalogue = (getattr(state, "babel_locale", None), catalogue)
    return catalogue


def init_app(app) -> None:
    babel.init_app(app, locale_selector=chosen_language)
    # The templates' _(), ngettext() and {% trans %}, as Flask-Babel installs them (newstyle:
    # values escaped, placeholders by name), with the catalogue fetched once per request.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _catalogue().ugettext(s),
        ngettext=lambda s, p, n: _catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: _catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalogue().unpgettext(c, s, p, n),
        newstyle=True)
    app.jinja_env.globals.update(gettext=_words, _=_words)
    # {% trans %} blocks are written across lines in the templates; trimmed, their msgids
    # are one line of text (the catalogues stay readable, the whitespace does not matter).
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.globals.update(language=language, text_direction=text_direction,
                                 LANGUAGES=LANGUAGES)
    app.after_request(_vary)


@pass_context
def _words(context, string: str, **values):
    """The templates' _() and {% trans %}: Jinja's newstyle gettext (the translation is
    markup, its values escaped into it, "%%" read as "%"), with a sentence without values
    kept once made, per catalogue: most of a page's words are such, the frame alone has some
    35, and making each again cost more than finding it."""
    catalogue = _catalogue()
    if values or not context.eval_ctx.autoescape:
        words = catalogue.ugettext(string)
        return (Markup(words) if context.eval_ctx.autoescape else words) % values
    made = catalogue.__dict__.setdefault("afterward_markup", {})
    words = made.get(string)
    if words is None:
        words = made[string] = Markup(catalogue.ugettext(string)) % {}
    return words
