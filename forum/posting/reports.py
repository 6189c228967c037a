"""Reports: a reader asking the moderators to look at a post or a story, and saying why."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import permissions, text
from ..extensions import db
from ..models import REPORT_REASONS, Post, Report, Story, User
from ..moderation import outing
from .refusals import (AlreadyReported, PostingError, TooLong, check_writer, count_write,
                       too_long_words)

REPORT_DETAILS_MAX = 2000


def report(user: User, *, post: Post | None = None, story: Story | None = None, reason: str,
           details: str, now: datetime) -> Report:
    """Ask the moderators to look at a post or a story, saying why."""
    check_writer(user, now)
    if (post is None) == (story is None):
        raise PostingError(_("Report one post or one story at a time."))
    if not permissions.can_report(user, post or story):
        raise PostingError(_("This is no longer shown to readers, so there is nothing to "
                             "report."))
    if reason not in REPORT_REASONS:
        raise PostingError(_("Please choose what is wrong."))
    details = text.normalise(details, strip=True)
    if len(details) > REPORT_DETAILS_MAX:
        raise TooLong(too_long_words(len(details), REPORT_DETAILS_MAX))
    target = Report.post_id == post.id if post is not None else Report.story_id == story.id
    if db.session.scalar(select(Report.id).where(Report.reporter_id == user.id, target)):
        raise _already()
    count_write(user, "report", now)
    filed = Report(reporter_id=user.id, post_id=post.id if post else None,
                   story_id=story.id if story else None, reason=reason, details=details,
                   created_at=now)
    db.session.add(filed)
    db.session.flush()
    outing.hold_if_outing(filed, user, post or story, now)
    try:
        db.session.commit()
    except IntegrityError:
        # A double click raced past the check above: the unique constraint says the same.
        db.session.rollback()
        raise _already() from None
    return filed


def _already() -> AlreadyReported:
    return AlreadyReported(_("You have reported this already; the moderators will look at it."))
