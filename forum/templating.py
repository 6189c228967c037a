"""Jinja filters and globals: how dates and warnings read on a page."""
from datetime import datetime
from functools import lru_cache

from flask import current_app, request, url_for

from .gates import gate_fields
from .models.moderation import UNMASK_KINDS
from .names import ANONYMITY_PROMISE


def day(value: datetime | None) -> str:
    """Dates show at day precision everywhere, so no post can be timed to the minute."""
    return value.strftime("%-d %B %Y") if value else ""


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


@lru_cache(maxsize=512)
def description_line(text: str | None) -> str:
    """`text` on one line, cut at a word to about DESCRIPTION_CHARS with "…" (Jinja's
    truncate, leeway 0): kept per text, since the same story or thread asks on every view."""
    line = " ".join((text or "").split())
    if len(line) <= DESCRIPTION_CHARS:
        return line
    cut = line[:DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0]
    return cut + "…"


def register_filters(app) -> None:
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["iso_day"] = iso_day
    app.jinja_env.globals["site_name"] = lambda: current_app.config["SITE_NAME"]
    app.jinja_env.globals["profile_url"] = profile_url
    app.jinja_env.globals["story_url"] = story_url
    app.jinja_env.globals["thread_url"] = thread_url
    app.jinja_env.globals["board_url"] = board_url
    app.jinja_env.globals["unmask_kinds"] = UNMASK_KINDS
    app.jinja_env.globals["anonymity_promise"] = ANONYMITY_PROMISE
    app.jinja_env.globals["gate_fields"] = gate_fields
    app.jinja_env.globals["description_line"] = description_line
