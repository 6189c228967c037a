"""Jinja filters and globals: how dates and warnings read on a page."""
from datetime import datetime

from flask import current_app

from .models import content


def day(value: datetime | None) -> str:
    """Dates show at day precision everywhere, so no post can be timed to the minute."""
    return value.strftime("%-d %B %Y") if value else ""


def iso_day(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def register_filters(app) -> None:
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["iso_day"] = iso_day
    app.jinja_env.globals["site_name"] = lambda: current_app.config["SITE_NAME"]
    app.jinja_env.globals["states"] = content
