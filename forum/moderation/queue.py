"""Reports: the queue of reported posts and stories, their open reports, and dismissing them."""
from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload

from .. import permissions
from ..extensions import db
from ..models import Post, Report, Story, User
from ..models.moderation import DISMISSED, OPEN
from .actions import (
    DISMISS,
    ModerationError,
    NotAllowed,
    clean_reason,
    commit,
    log_target,
    record,
    resolve_reports,
)
from .outing import OUTING, is_held, reporter_records
from .outing import is_shown as item_shown
from .suspensions import NameFacts, facts_about_authors

# Reported items shown at once; the busiest come first, so the rest can wait a page load.
QUEUE_SIZE = 50


def dismiss_reports(moderator: User, item: Post | Story, *, reason: str, now: datetime) -> int:
    """Close the open reports on a post or story without changing it."""
    if not permissions.can_review_reports(moderator):
        raise NotAllowed(_("Only moderators can dismiss reports."))
    reason = clean_reason(reason, required=False)
    if is_held(item):
        raise ModerationError(_("A report that this identifies someone hid it: confirm the "
                                "removal, or restore it."))
    count = resolve_reports(moderator, item, DISMISSED, now)
    if not count:
        raise ModerationError(_("There are no open reports on this."))
    record(moderator, DISMISS, reason, now, **log_target(item))
    commit()
    return count


def open_reports(item: Post | Story) -> list[Report]:
    """The open reports on one post or story, oldest first (reasons and details, no reporters)."""
    target = Report.post_id == item.id if isinstance(item, Post) else Report.story_id == item.id
    return list(db.session.scalars(
        select(Report).where(target, Report.state == OPEN).order_by(Report.created_at, Report.id)
    ))


class QueueItem(NamedTuple):
    """One reported post or story with its open reports, as the queue shows it."""

    post: Post | None
    story: Story | None
    count: int
    first_reported: datetime
    reports: list[Report]
    author: NameFacts  # what may be known of the author: facts about the name only
    excerpt: str  # the start of a reported story, as plain text (Story.EXCERPT_CHARS)
    held: bool  # hidden by the outing fast path, waiting for a moderator to confirm or restore
    records: dict  # reporter id -> ReporterRecord, for the outing reports among `reports`


def report_queue(now: datetime, limit: int = QUEUE_SIZE) -> list[QueueItem]:
    """Reported items with open reports: those reported as outing someone first (they may be
    hidden already, waiting for a decision), then the most reported, then the longest waiting.

    A fixed number of queries whatever the queue's length: the ranking, the posts, the
    stories, the reports' texts, and the facts about their authors' names.
    """
    count, first = func.count(Report.id), func.min(Report.created_at)
    outing = func.max(case((Report.reason == OUTING, 1), else_=0))
    ranked = db.session.execute(
        select(Report.post_id, Report.story_id, count, first)
        .where(Report.state == OPEN)
        .group_by(Report.post_id, Report.story_id)
        .order_by(outing.desc(), count.desc(), first, Report.post_id, Report.story_id)
        .limit(limit)
    ).all()
    post_ids = [r.post_id for r in ranked if r.post_id is not None]
    story_ids = [r.story_id for r in ranked if r.story_id is not None]
    posts = {p.id: p for p in db.session.scalars(
        select(Post).where(Post.id.in_(post_ids))
        .options(joinedload(Post.thread), joinedload(Post.handle))
    )} if post_ids else {}
    stories = {s.id: s for s in db.session.scalars(
        select(Story).where(Story.id.in_(story_ids))
        .options(joinedload(Story.thread), joinedload(Story.handle))
    )} if story_ids else {}
    reports: dict[tuple, list[Report]] = {}
    if ranked:
        for report in db.session.scalars(
            select(Report).where(Report.state == OPEN,
                                 or_(Report.post_id.in_(post_ids), Report.story_id.in_(story_ids)))
            .order_by(Report.created_at, Report.id)
        ):
            reports.setdefault((report.post_id, report.story_id), []).append(report)
    items = [posts.get(r.post_id) or stories.get(r.story_id) for r in ranked]
    authors = facts_about_authors(items, now)
    records = reporter_records({report.reporter_id for open_ in reports.values()
                                for report in open_ if report.reason == OUTING})
    queued = []
    for r, item, author in zip(ranked, items, authors):
        open_ = reports.get((r.post_id, r.story_id), [])
        held = not item_shown(item) and any(report.reason == OUTING for report in open_)
        queued.append(QueueItem(posts.get(r.post_id), stories.get(r.story_id), r[2], r[3],
                                open_, author, stories[r.story_id].excerpt if r.story_id else "",
                                held, records))
    return queued

