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


def register_filters(app) -> None:
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["iso_day"] = iso_day
    app.jinja_env.globals["site_name"] = lambda: current_app.config["SITE_NAME"]
    app.jinja_env.globals["profile_url"] = profile_url
    app.jinja_env.globals["unmask_kinds"] = UNMASK_KINDS
    app.jinja_env.globals["anonymity_promise"] = ANONYMITY_PROMISE
    app.jinja_env.globals["gate_fields"] = gate_fields
