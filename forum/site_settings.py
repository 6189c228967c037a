"""Settings an admin changes in /admin/settings while the site runs, without a restart.

Each has a typed getter. A value the admin set (a SiteSetting row) wins; until then the
value comes from app.config, where the environment put it. The rows are read once per
request (kept on flask.g): a page that asks five times costs one query.
"""
from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import json

from flask import current_app, g
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import func, select

from .extensions import db
from .models import SiteSetting

OPEN, APPROVAL, INVITATION = "open", "approval", "invitation"
REGISTRATION_MODES = {
    OPEN: _l("Open: anyone may register"),
    APPROVAL: _l("By approval: a moderator reads why they are here first"),
    INVITATION: _l("By invitation: a single-use code is needed"),
}


class Setting(NamedTuple):
    """One setting: its label for the admin, the config key it falls back to, its type."""

    label: str
    config_key: str
    kind: type


SETTINGS = {
    "registration_mode": Setting(_l("Registration"), "REGISTRATION_MODE", str),
    "approve_first_posts": Setting(_l("New accounts’ first posts reviewed"),
                                   "APPROVE_FIRST_POSTS", int),
    "members_may_invite": Setting(_l("Established members may invite"), "MEMBERS_MAY_INVITE",
                                  bool),
    "young_account_link_limit": Setting(_l("Links per post for new accounts"),
                                        "YOUNG_ACCOUNT_LINKS", int),
}


def _stored() -> dict[str, str]:
    """The admin's values, read once per request."""
    if "site_settings" not in g:
        rows = db.session.execute(select(SiteSetting.name, SiteSetting.value))
        g.site_settings = dict(rows.all())
    return g.site_settings


def rows_column():
    """The admin's values as one column (a JSON object, or NULL when there are none), for a
    statement a busy request makes anyway: `prime()` keeps what it returns for the request,
    so the settings cost that request no statement of their own."""
    aggregate = (func.json_object_agg if db.session.get_bind().dialect.name == "postgresql"
                 else func.json_group_object)
    return select(aggregate(SiteSetting.name, SiteSetting.value)).scalar_subquery()


def prime(rows) -> None:
    """Keep for this request the admin's values that `rows_column()` read (a dict from
    PostgreSQL's json, text from SQLite's)."""
    if "site_settings" not in g:
        g.site_settings = dict(json.loads(rows) if isinstance(rows, str) else rows or {})


def parse(name: str, raw: str):
    kind = SETTINGS[name].kind
    if kind is bool:
        return raw == "1"
    return kind(raw)


def value(name: str):
    """The setting's value now: the admin's, else the configuration's."""
    raw = _stored().get(name)
    if raw is not None:
        try:
            return parse(name, raw)
        except ValueError:
            pass  # an unreadable row (edited by hand) falls back rather than break every page
    return SETTINGS[name].kind(current_app.config[SETTINGS[name].config_key])


def registration_mode() -> str:
    mode = value("registration_mode")
    return mode if mode in REGISTRATION_MODES else OPEN


def approve_first_posts() -> int:
    return max(0, value("approve_first_posts"))


def members_may_invite() -> bool:
    return value("members_may_invite")


def young_account_link_limit() -> int:
    return max(0, value("young_account_link_limit"))


# Each setting's name in a log line, "setting:<short name>=<value>" (ModAction.action holds
# 32 characters at most).
LOG_NAMES = {"registration_mode": "registration", "approve_first_posts": "review",
             "members_may_invite": "invite", "young_account_link_limit": "links"}


def log_action(name: str, setting_value) -> str:
    """What the moderation log stores for a change of `name` to `setting_value`."""
    raw = ("1" if setting_value else "0") if isinstance(setting_value, bool) else setting_value
    return f"setting:{LOG_NAMES[name]}={raw}"


def log_words(param: str) -> str:
    """'the setting “Registration” to by invitation': a logged change, for the public log."""
    short, _sep, raw = param.partition("=")
    name = next((n for n, s in LOG_NAMES.items() if s == short), None)
    if name is None:
        return _("a site setting")
    try:
        shown = parse(name, raw)
    except ValueError:
        shown = raw
    # Translators: part of a moderation log line, e.g. 'changed the setting “Registration” to by invitation'.
    return _("the setting “%(setting)s” to %(value)s", setting=SETTINGS[name].label,
             value=words(name, shown))


def current() -> dict:
    """Every setting's value now, by name (what the admin's form starts from)."""
    return {name: value(name) for name in SETTINGS}


def words(name: str, setting_value) -> str:
    """A setting's value as the moderation log says it."""
    if name == "registration_mode":
        return {OPEN: _("open"), APPROVAL: _("by approval"),
                INVITATION: _("by invitation")}.get(setting_value, str(setting_value))
    if isinstance(setting_value, bool):
        return _("yes") if setting_value else _("no")
    return str(setting_value)


def store(name: str, setting_value, now: datetime) -> None:
    """Set one value (the caller commits and logs it); the next read in this request sees it."""
    raw = ("1" if setting_value else "0") if SETTINGS[name].kind is bool else str(setting_value)
    row = db.session.get(SiteSetting, name)
    if row is None:
        db.session.add(SiteSetting(name=name, value=raw, updated_at=now))
    else:
        row.value, row.updated_at = raw, now
    _stored()[name] = raw
