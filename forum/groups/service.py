"""Curated groups: a member proposes one while writing, a moderator accepts, renames,
merges or refuses it, and any group may have other names.

A group typed into a story is looked up by its slug among the accepted groups and their other
names, so "The Fellowship" written by one member and "the fellowship" by another, or a front's
name, tag the same group. A name nobody knows yet becomes a proposal: it is shown with the
story that named it and nowhere else (not in the list of groups, the sitemap, feeds or
search) until a moderator accepts it. Moderators' own new names are accepted at once.

Every decision is a line in the public moderation log. A refused proposal is named there only
as "a proposed group": it was a member's words, never published.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update

from .. import permissions
from ..extensions import db
from ..models import Follow, Group, GroupAlias, User, story_groups
from ..models.groups import ALIAS, FORMER
from ..moderation.actions import ModerationError, NotAllowed, clean_reason, commit, record
from ..slugs import slugify

ACCEPTED, PROPOSED, REFUSED, MERGED = "accepted", "proposed", "refused", "merged"
GROUP_ACCEPT, GROUP_REFUSE, GROUP_RENAME = "group_accept", "group_refuse", "group_rename"
GROUP_ALIAS, GROUP_MERGE = "group_alias", "group_merge"
NAME_MAX = 120


def clean_name(raw: str | None) -> str:
    return " ".join((raw or "").split())[:NAME_MAX]


def find(slug: str) -> Group | None:
    """The accepted group a slug names: its own, or one of its other names'."""
    group = db.session.scalar(select(Group).where(Group.slug == slug))
    if group is None:
        alias = db.session.scalar(select(GroupAlias).where(GroupAlias.slug == slug))
        group = alias.group if alias is not None else None
    while group is not None and group.state == MERGED and group.merged_into_id:
        group = db.session.get(Group, group.merged_into_id)
    return group


def resolve_groups(names: list[str], writer: User, now: datetime) -> list[Group]:
    """The groups a story names: known ones by any of their names, the rest proposed (or
    accepted at once when a moderator writes). A refused name stays refused: it is not
    proposed again under the same spelling."""
    wanted: dict[str, str] = {}
    for raw in names:
        name = clean_name(raw)
        if name:
            wanted.setdefault(slugify(name), name)
    found: dict[int, Group] = {}
    for slug, name in wanted.items():
        group = find(slug)
        if group is None:
            group = Group(name=name, slug=slug, description="", created_at=now,
                          state=ACCEPTED if permissions.can_moderate(writer) else PROPOSED)
            db.session.add(group)
            db.session.flush()
        if group.state in (ACCEPTED, PROPOSED):
            found[group.id] = group
    return list(found.values())


# --- what readers and moderators see ------------------------------------------------------

def accepted() -> list[Group]:
    return list(db.session.scalars(select(Group).where(Group.state == ACCEPTED)
                                   .order_by(func.lower(Group.name))))


def proposed() -> list[tuple[Group, list]]:
    """Proposals, oldest first, each with the stories that name it."""
    from ..models import Story  # a story's groups are read here, not the other way round
    groups = db.session.scalars(select(Group).where(Group.state == PROPOSED)
                                .order_by(Group.created_at, Group.id)).all()
    stories: dict[int, list] = {group.id: [] for group in groups}
    for group_id, story in db.session.execute(  # every proposal's stories in one query
            select(story_groups.c.group_id, Story)
            .join(Story, story_groups.c.story_id == Story.id)
            .where(story_groups.c.group_id.in_(stories)).order_by(Story.id)):
        stories[group_id].append(story)
    return [(group, stories[group.id]) for group in groups]


def other_names_of(groups: list[Group]) -> dict[int, dict[str, list[str]]]:
    """Each group's other names by kind ({"alias": [...], "former": [...]}), in one query."""
    names = {group.id: {ALIAS: [], FORMER: []} for group in groups}
    for alias in db.session.scalars(select(GroupAlias).where(GroupAlias.group_id.in_(names))
                                    .order_by(GroupAlias.name)):
        names[alias.group_id].setdefault(alias.kind, []).append(alias.name)
    return names


def with_other_names(stmt):
    """`stmt` (which selects a Group first) with the group's other names beside it: one row
    per other name, in order of name, or one row with none; names_by_kind() sorts them."""
    return (stmt.add_columns(GroupAlias.kind, GroupAlias.name)
            .outerjoin(GroupAlias, GroupAlias.group_id == Group.id).order_by(GroupAlias.name))


def names_by_kind(rows) -> dict[str, list[str]]:
    """One group's other names by kind, as other_names_of() gives them, from the rows of a
    statement made by with_other_names() (its last two columns)."""
    names = {ALIAS: [], FORMER: []}
    for *_row, kind, name in rows:
        if name is not None:
            names.setdefault(kind, []).append(name)
    return names


def matching(query: str, rows, limit: int = 5) -> list[tuple]:
    """Accepted groups whose name or other name holds the query, among `rows`: every accepted
    group with each of its other names, by name, as (id, slug, name, other_name or None), one
    row per other name (the search page reads them in its own first statement). Returns
    (row, the other name that matched, or None when the group's own name did), by name."""
    words = clean_name(query).lower()
    if len(words) < 2:
        return []
    out: dict[int, tuple] = {}
    for row in rows:
        own = words in row.name.lower()
        if own or (row.other_name is not None and words in row.other_name.lower()):
            if row.id not in out or own:
                out[row.id] = (row, None if own else row.other_name)
    return list(out.values())[:limit]


# --- a moderator's decisions -------------------------------------------------------------

def _check(moderator: User) -> None:
    if not permissions.can_moderate(moderator):
        raise NotAllowed(_("Only moderators curate groups."))


def _free_name(name: str, group: Group | None = None) -> str:
    """`name` cleaned, if no other group (or other name) already answers to it."""
    name = clean_name(name)
    if not name:
        raise ModerationError(_("Please give the group a name."))
    other = find(slugify(name))
    if other is not None and other is not group and other.state in (ACCEPTED, PROPOSED):
        raise ModerationError(_("“%(name)s” already answers to that name: merge into it "
                                "instead.", name=other.name))
    return name


def _add_alias(group: Group, name: str, kind: str, now: datetime) -> None:
    slug = slugify(name)
    if name == group.name:
        return
    alias = db.session.scalar(select(GroupAlias).where(GroupAlias.slug == slug))
    if alias is None:
        db.session.add(GroupAlias(group_id=group.id, name=name, slug=slug, kind=kind,
                                  created_at=now))
    else:
        alias.group_id, alias.kind = group.id, kind


def accept(moderator: User, group: Group, name: str, now: datetime) -> Group:
    """Accept a proposal, under the name the moderator gives (by default, as proposed)."""
    _check(moderator)
    if group.state != PROPOSED:
        raise ModerationError(_("That group is not waiting for a decision."))
    group.name = _free_name(name or group.name, group)
    group.state = ACCEPTED
    record(moderator, GROUP_ACCEPT, "", now, group=group)
    commit()
    return group


def refuse(moderator: User, group: Group, reason: str, now: datetime) -> None:
    """Refuse a proposal: the stories that named it lose that tag, and it is shown nowhere."""
    _check(moderator)
    if group.state != PROPOSED:
        raise ModerationError(_("That group is not waiting for a decision."))
    reason = clean_reason(reason, required=False)
    db.session.execute(delete(story_groups).where(story_groups.c.group_id == group.id))
    db.session.execute(delete(Follow).where(Follow.group_id == group.id))
    group.state = REFUSED
    record(moderator, GROUP_REFUSE, reason, now, group=group)
    commit()


def rename(moderator: User, group: Group, name: str, now: datetime) -> Group:
    """Rename an accepted group; its old name stays as a former name, so it is still found.
    Its address does not change: links to it keep working."""
    _check(moderator)
    if group.state != ACCEPTED:
        raise ModerationError(_("Only an accepted group can be renamed; accept it first."))
    new = _free_name(name, group)
    if new != group.name:
        old = group.name
        group.name = new
        _add_alias(group, old, FORMER, now)
        # The log's reason is stored as written, in the site's source language, like every
        # other entry of the moderation log.
        record(moderator, GROUP_RENAME, f"Formerly “{old}”.", now, group=group)
        commit()
    return group


def add_name(moderator: User, group: Group, name: str, now: datetime) -> None:
    """Give an accepted group another name (a front, a translation, a common spelling)."""
    _check(moderator)
    if group.state != ACCEPTED:
        raise ModerationError(_("Only an accepted group can have other names."))
    name = _free_name(name)
    _add_alias(group, name, ALIAS, now)
    record(moderator, GROUP_ALIAS, f"Also known as “{name}”.", now, group=group)
    commit()


def merge(moderator: User, source: Group, target: Group, now: datetime) -> Group:
    """Merge `source` (a proposal or an accepted group) into the accepted `target`: its
    stories and followers move, and its names become the target's other names."""
    _check(moderator)
    if source.id == target.id or target.state != ACCEPTED or source.state not in (
            ACCEPTED, PROPOSED):
        raise ModerationError(_("Choose an accepted group other than this one to merge into."))
    tagged = select(story_groups.c.story_id).where(story_groups.c.group_id == target.id)
    db.session.execute(update(story_groups).where(story_groups.c.group_id == source.id,
                                                  story_groups.c.story_id.not_in(tagged))
                       .values(group_id=target.id))
    db.session.execute(delete(story_groups).where(story_groups.c.group_id == source.id))
    following = select(Follow.user_id).where(Follow.group_id == target.id)
    db.session.execute(update(Follow).where(Follow.group_id == source.id,
                                            Follow.user_id.not_in(following))
                       .values(group_id=target.id))
    db.session.execute(delete(Follow).where(Follow.group_id == source.id))
    db.session.execute(update(GroupAlias).where(GroupAlias.group_id == source.id)
                       .values(group_id=target.id))
    _add_alias(target, source.name, ALIAS, now)
    was_proposed = source.state == PROPOSED
    source.state, source.merged_into_id = MERGED, target.id
    record(moderator, GROUP_MERGE,
           "A proposed group was merged into it." if was_proposed
           else f"“{source.name}” was merged into it.", now, group=target)
    commit()
    db.session.expire_all()
    return target
