"""An admin changing the site settings: each change stored and written in the public log."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from .. import permissions, site_settings
from ..extensions import db
from ..models import Handle, User
from ..moderation import actions as moderation


def save(admin: User, values: dict, reason: str, now: datetime) -> list[str]:
    """Store the settings that changed, each with its line in the moderation log; returns
    the names of those that changed."""
    if not permissions.can_change_settings(admin):
        raise moderation.NotAllowed(_("Only admins can change the site settings."))
    reason = moderation.clean_reason(reason, required=False)
    before = site_settings.current()
    changed = [name for name in site_settings.SETTINGS if values[name] != before[name]]
    # Signed, and targeted, with the admin's own public handle: a setting is nobody's post.
    own = db.session.scalar(Handle.public_of(admin))
    for name in changed:
        site_settings.store(name, values[name], now)
        moderation.record(own, site_settings.log_action(name, values[name]), reason, now,
                          handle=own)
    # Two admins saving a first value at once: one wins, the other is asked to try again.
    moderation.commit()
    return changed
