"""Jinja filters and globals: how dates and warnings read on a page."""
from datetime import date, datetime
from functools import lru_cache

from flask import current_app, render_template, request, url_for
from flask_babel import format_date, lazy_gettext as _l, ngettext
from flask_login import current_user
from markupsafe import Markup, escape

from .gates import gate_fields
from .i18n import language
from .models.moderation import UNMASK_KINDS
from .names import ANONYMITY_PROMISE

# English keeps the site's own way of writing a day ("30 November 2026"); every other
# language writes it as its readers expect: CLDR's "long" date ("30. November 2026").
_DAY_PATTERNS = {"en": "d MMMM y"}


def day(value: datetime | None) -> str:
    """Dates show at day precision everywhere, so no post can be timed to the minute."""
    if not value:
        return ""
    return _day(value.date() if isinstance(value, datetime) else value, language())


@lru_cache(maxsize=4096)
def _day(value: date, lang: str) -> str:
    # Kept per day and language: a page of 100 posts shows a handful of days, and Babel's
    # formatting costs some twenty times strftime's. A date (not a datetime) is never moved
    # to another time zone: the stored UTC day is the day shown, as before.
    return format_date(value, _DAY_PATTERNS.get(lang, "long"))


def iso_day(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


@lru_cache(maxsize=4096)
def _profile_path(script_root: str, name: str) -> str:
    return url_for("profiles.show", handle=name)


def profile_url(name: str) -> str:
    """The address of the profile called `name`. Cached: a page of 100 posts links the same
    few names again and again, and url_for() was a quarter of its rendering time."""
    return _profile_path(request.script_root, name)


@lru_cache(maxsize=4096)
def _story_path(script_root: str, slug: str) -> str:
    return url_for("stories.show", slug=slug)


def story_url(slug: str) -> str:
    """The address of the story at `slug`, cached as profile_url() is: lists of stories built
    one url_for() per story, a sixth of the story index's time."""
    return _story_path(request.script_root, slug)


@lru_cache(maxsize=4096)
def _thread_path(script_root: str, public_id: str) -> str:
    return url_for("threads.show", thread_id=public_id)


def thread_url(public_id: str) -> str:
    """The address of the discussion with this public id (never a row id), cached likewise."""
    return _thread_path(request.script_root, public_id)


@lru_cache(maxsize=4096)
def _post_path(script_root: str, public_id: str) -> str:
    return url_for("threads.post", post_id=public_id)


def permalink_url(public_id: str) -> str:
    """A post's own address (/posts/<public id>, which finds its page), cached likewise."""
    return _post_path(request.script_root, public_id)


@lru_cache(maxsize=1024)
def _board_path(script_root: str, slug: str) -> str:
    return url_for("threads.board", slug=slug)


def board_url(slug: str) -> str:
    """The address of the board at `slug`, cached likewise (a list of discussions names the
    same few boards again and again)."""
    return _board_path(request.script_root, slug)


# The page's <meta name="description"> line (templates/_meta.html): about this many characters.
DESCRIPTION_CHARS = 160


def description_line(text: str | None) -> str:
    """`text` on one line, cut at a word to about DESCRIPTION_CHARS with "…" (Jinja's
    truncate, leeway 0): kept per text, since the same story or thread asks on every view."""
    # A translated sentence arrives as Markup, its values escaped: made plain text again
    # here, since the template escapes the line once more (and so that the cache never
    # mistakes it for a plain text that happens to read the same).
    if isinstance(text, Markup):
        text = text.unescape()
    return _description_line(text)


@lru_cache(maxsize=512)
def _description_line(text: str | None) -> str:
    line = " ".join((text or "").split())
    if len(line) <= DESCRIPTION_CHARS:
        return line
    cut = line[:DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0]
    return cut + "…"


# The words the scripts of a member's pages show (static/js/compose.js, autosave.js): the
# scripts hold no words of their own and read these from base.html's #script-words element.
# "%(time)s" and "%(count)s" are filled in by the scripts.
SCRIPT_WORDS = {
    "formatting": _l("Formatting"),
    "bold": _l("Bold"),
    "italic": _l("Italic"),
    "quote": _l("Quote"),
    "list": _l("List"),
    "link": _l("Link"),
    # Translators: placeholder text put between ** ** when nothing is selected; the writer
    # types over it.
    "bold-sample": _l("strong words"),
    # Translators: placeholder text put between * * when nothing is selected.
    "italic-sample": _l("emphasised words"),
    # Translators: placeholder text of a new link, [words](https://).
    "link-sample": _l("words"),
    "saving": _l("Saving…"),
    # Translators: %(time)s is the time of day, e.g. 14:32.
    "saved": _l("Saved at %(time)s. Only you can see this draft."),
    "restored": _l("Text you wrote while you were logged out was kept in this browser and is "
                   "back in the form. It is not saved on the server yet."),
    "logged-out": _l("You are logged out, so this is not saved on the server. Your text is kept "
                     "in this browser: log in (in a new tab is fine) and it will be saved."),
    "not-saved": _l("Not saved yet; trying again soon. Your text is safe here."),
    "offline": _l("Not saved: offline. Your text is kept in this browser for now, and saved "
                  "when the connection is back."),
}
# Counted words, in each plural form the scripts choose from (Intl.PluralRules): English,
# German and Spanish have "one" and "other". count is given as the placeholder itself, for the
# script to put the number in.
SCRIPT_PLURALS = {
    "word-count": lambda n: ngettext("%(count)s word", "%(count)s words", n, count="%(count)s"),
    "retry": lambda n: ngettext(
        "Not saved yet: saving again in %(count)s second. Your text is safe here.",
        "Not saved yet: saving again in %(count)s seconds. Your text is safe here.",
        n, count="%(count)s"),
}


def script_words() -> Markup:
    """The hidden element holding the scripts' words in this request's language."""
    return _script_words(language())


@lru_cache(maxsize=16)
def _script_words(lang: str) -> Markup:
    # Made once per language: a member's every page carries it.
    words = {key: str(text) for key, text in SCRIPT_WORDS.items()}
    for key, counted in SCRIPT_PLURALS.items():
        words[f"{key}-one"], words[f"{key}-other"] = counted(1), counted(5)
    attributes = "".join(f' data-{key}="{escape(text)}"' for key, text in words.items())
    # Our element, with the catalogue's words escaped into its attributes.
    return Markup(f'<div id="script-words" hidden{attributes}></div>')  # nosec B704


def formatting_help() -> Markup:
    """The formatting help under every writing box (posting/_formatting_help.html): some
    twenty words and nothing else, so rendered once per language and process. Under the
    reply box of every thread and story a member reads, it was 0.06 ms of the page."""
    return _formatting_help(language())


@lru_cache(maxsize=16)
def _formatting_help(lang: str) -> Markup:
    # Autoescaped template output, our own words only.
    return Markup(render_template("posting/_formatting_help.html"))  # nosec B704


def register_filters(app) -> None:
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["iso_day"] = iso_day
    app.jinja_env.globals["site_name"] = lambda: current_app.config["SITE_NAME"]
    # The reader, as a global as well as Flask-Login's context variable: so the partials whose
    # macros ask only globals and their arguments (the author's name, the follow button, the
    # moderation tools, the lists, the reply box) are imported without context.
    # Jinja makes such a module once per process; imported with context it ran the partial's
    # whole top level again on every page (9 to 37 µs an import, bench/RESULTS.md).
    # tests/test_template_globals.py checks that each of them asks nothing else.
    app.jinja_env.globals["current_user"] = current_user
    app.jinja_env.globals["profile_url"] = profile_url
    app.jinja_env.globals["story_url"] = story_url
    app.jinja_env.globals["thread_url"] = thread_url
    app.jinja_env.globals["board_url"] = board_url
    app.jinja_env.globals["unmask_kinds"] = UNMASK_KINDS
    app.jinja_env.globals["anonymity_promise"] = ANONYMITY_PROMISE
    app.jinja_env.globals["gate_fields"] = gate_fields
    app.jinja_env.globals["formatting_help"] = formatting_help
    app.jinja_env.globals["description_line"] = description_line
    app.jinja_env.globals["script_words"] = script_words
