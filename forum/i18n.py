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

from functools import lru_cache
from urllib.parse import quote as url_quote

from flask import has_app_context, has_request_context, request, url_for
from flask.globals import _cv_app
from flask_babel import Domain, get_domain, get_locale
from flask_login import current_user
from markupsafe import Markup, escape

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
    """This request's language code (its `<html lang>`), e.g. "de". Asked for by every date
    on a page (templating.day), so read from what _chosen() keeps."""
    return _chosen()[2] if has_app_context() else DEFAULT


def text_direction() -> str:
    """"ltr" or "rtl", for `<html dir>`: from the language's own data in Babel's CLDR."""
    locale = get_locale()
    return locale.text_direction if locale is not None else "ltr"


@lru_cache(maxsize=8)
def _choose_address(script_root: str) -> str:
    """/language/{code}: the switcher's link, with a slot for the language."""
    return url_for("profiles.choose_language", code="\x00").replace("%00", "{code}")


def return_to() -> Markup:
    """Where the language switcher comes back to, escaped for an attribute: this page (a
    page that answered a form: the home page); for a visitor's link, quoted for its query."""
    here = request.full_path.rstrip("?") if request.method == "GET" else "/"
    if getattr(current_user, "is_authenticated", False):
        return escape(here)  # the members' form's field
    return escape(url_quote(here, safe="/?"))


def language_links(back: str | None = None) -> Markup:
    """A visitor's language switcher: a link to each language that comes back to this page
    (`back`: return_to(), or a stand-in for it, forum/frame.py). Made here rather than by a
    template and url_for() for each language: it is on every page a visitor reads
    (templates/_languages.html)."""
    back = return_to() if back is None else back
    address, current = _choose_address(request.script_root), language()
    chosen = ' aria-current="true"'
    # Our markup, our language names and codes, and the page's own address escaped.
    return Markup('<ul class="footer-links">' + "".join(  # nosec B704
        f'<li><a href="{address.format(code=code)}?next={back}" lang="{code}" '
        f'hreflang="{code}"{chosen if code == current else ""}>{name}</a></li>'
        for code, name in LANGUAGES.items()) + "</ul>")


def _vary(response):
    """A page's words depend on the cookie and the browser's languages: a shared cache must
    keep one copy for each (a German reader is never handed the English page)."""
    if response.mimetype == "text/html":
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response


class _OncePerRequest(Domain):
    """Flask-Babel's message domain, with the request's catalogue looked up once
    (_chosen): gettext() in Python and every lazy string (a form's labels, a story's
    warnings) go through here, many times a page."""

    def get_translations(self):
        if not has_app_context():
            return super().get_translations()
        return _chosen()[1]


def _chosen() -> tuple:
    """This request's locale, its catalogue and its code, as Flask-Babel chose them, looked
    up once per request rather than once per word: Flask-Babel's own lookup reads
    context-locals about ten times a word (13-16 µs; the frame of every page alone has some
    35 words, a list of stories a date per story). Kept beside Flask-Babel's own state for
    the request and tied to its locale, so force_locale() still gets its language.

    Read through Flask's own context variable rather than the `g` proxy: some 60 times a
    page, the proxy's lookup was half the cost."""
    context = _cv_app.get(None)
    state = context.g.__dict__.get("_flask_babel") if context is not None else None
    kept = getattr(state, "afterward_chosen", None)
    if kept is not None and kept[0] is getattr(state, "babel_locale", None):
        return kept
    # Flask-Babel's own lookup, which chooses the locale first if not chosen yet.
    catalogue = Domain.get_translations(get_domain())
    state = context.g.__dict__.get("_flask_babel") if context is not None else None
    locale = getattr(state, "babel_locale", None)
    kept = (locale, catalogue, str(locale) if locale is not None else DEFAULT)
    if state is not None:  # in a request or an app context (else: English, not kept)
        state.afterward_chosen = kept
    return kept


def init_app(app) -> None:
    babel.init_app(app, locale_selector=chosen_language)
    babel.domain_instance = _OncePerRequest(domain=app.config.get("BABEL_DOMAIN", "messages"))
    # The i18n extension, newstyle (values escaped, placeholders by name), as Flask-Babel
    # installs it; then the callables themselves, faster (below).
    app.jinja_env.install_gettext_callables(
        gettext=_words, ngettext=_plural_words, pgettext=_words_in, npgettext=_plural_words_in,
        newstyle=True)
    app.jinja_env.globals.update(gettext=_words, _=_words, ngettext=_plural_words,
                                 pgettext=_words_in, npgettext=_plural_words_in)
    # {% trans %} blocks are written across lines in the templates; trimmed, their msgids
    # are one line of text (the catalogues stay readable, the whitespace does not matter).
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.globals.update(language=language, text_direction=text_direction,
                                 LANGUAGES=LANGUAGES, language_links=language_links)
    app.after_request(_vary)


# The templates' _(), ngettext(), pgettext() and {% trans %}. They keep Jinja's newstyle
# meaning (the translation is markup, the values escaped into it, "%%" read as "%"; every
# template of the site is autoescaped, .html and .xml alike), made cheaper: the catalogue is
# fetched once per request (_chosen), a sentence without values is kept once made, per
# catalogue, and values go in by plain string formatting once escaped, not by Markup's
# escaping wrapper. A page's frame alone has some 35 words and a list a few per item.

def _fill(words: str, values: dict) -> Markup:
    # The catalogue's words are ours (markup allowed, as in Jinja's newstyle gettext); every
    # value is escaped before it goes in.
    return Markup(words % {  # nosec B704
        name: value if isinstance(value, (int, float)) else escape(value)
        for name, value in values.items()})


def _words(string: str, /, **values) -> Markup:
    catalogue = _chosen()[1]
    if values:
        return _fill(catalogue.ugettext(string), values)
    made = catalogue.__dict__.setdefault("afterward_markup", {})
    words = made.get(string)
    if words is None:
        # The catalogue's words are ours, markup allowed (Jinja's newstyle gettext).
        words = made[string] = Markup(catalogue.ugettext(string) % {})  # nosec B704
    return words


def _plural_words(singular: str, plural: str, num: int, /, **values) -> Markup:
    values.setdefault("num", num)
    return _fill(_chosen()[1].ungettext(singular, plural, num), values)


def _words_in(context: str, string: str, /, **values) -> Markup:
    values.setdefault("context", context)
    return _fill(_chosen()[1].upgettext(context, string), values)


def _plural_words_in(context: str, singular: str, plural: str, num: int, /,
                     **values) -> Markup:
    values.setdefault("context", context)
    values.setdefault("num", num)
    return _fill(_chosen()[1].unpgettext(context, singular, plural, num), values)
