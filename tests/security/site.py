"""A small site with something behind every kind of URL, and a way to fill any rule's URL.

Tests that walk `app.url_map` build every URL with real ids from this content, so that a
route added later is walked too. A rule with an argument this module can't fill fails the
walk with a message saying where to teach it.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import url_for
from sqlalchemy import func, select

from forum.extensions import db
from tests.factories import PASSWORD, make_board, make_reply, make_story, make_thread, make_user


@dataclass
class Site:
    member: int          # writes the story, the board thread and a reply
    member_login: str
    member_handle: str
    admin_login: str
    story_slug: str
    board_slug: str
    group_slug: str
    thread_id: str       # a board thread, by public id
    post_id: str         # the member's own reply in it, by public id
    thread_row: int      # their row ids, which their old addresses (/threads/<row id>) name:
    post_row: int        # both are marked as older than public ids, so those answer too


def seed(app) -> Site:
    """An admin, a moderator, two members, a group, a board, a story, a thread and replies."""
    with app.app_context():
        member = make_user("member_one", "Member One")
        other = make_user("member_two", "Member Two")
        make_user("the_moderator", "The Moderator", role="moderator")
        make_user("the_admin", "The Admin", role="admin")
        board = make_board("General")
        story = make_story(member, title="A story", group_names=["The Fellowship"])
        make_reply(other, story.thread, body="Thank you for writing this.")
        thread = make_thread(member, board, title="A thread", body="First post.")
        reply = make_reply(member, thread, body="My own reply.")
        make_reply(other, thread, parent=reply, body="An anonymous answer.", anonymous=True)
        thread.has_legacy_url = reply.has_legacy_url = True
        db.session.commit()
        return Site(member=member.id, member_login="member_one", member_handle="Member One",
                    admin_login="the_admin", story_slug=story.slug, board_slug=board.slug,
                    group_slug=story.groups[0].slug, thread_id=thread.public_id,
                    post_id=reply.public_id, thread_row=thread.id, post_row=reply.id)


def _by_table(name: str) -> int | str:
    """The newest row of the table an `<name>_id` argument points into, by its public id if
    it has one, else by row id (1 if the table is empty)."""
    tables = {t.name: t for t in db.metadata.sorted_tables}
    # "post_id" -> posts, "revision_id" -> story_revisions, "story_id" -> stories
    table = tables.get(name + "s", tables.get(name.removesuffix("y") + "ies"))
    if table is None:
        table = next((t for n, t in tables.items() if n.endswith("_" + name + "s")), None)
    if table is None:
        pytest.fail(f"no table for <{name}_id>: teach tests/security/site.py about it")
    newest = db.session.scalar(select(func.max(table.c.id))) or 1
    if "public_id" in table.c:
        # An empty table: a well-formed id that no row has.
        return db.session.scalar(
            select(table.c.public_id).where(table.c.id == newest)) or "z" * 12
    return newest


def argument(rule: str, name: str, site: Site):
    """A real value for argument `name` of URL rule `rule`."""
    if name == "slug":
        for prefix, value in (("/boards/", site.board_slug), ("/groups/", site.group_slug),
                              ("/stories/", site.story_slug)):
            if prefix in rule:
                return value
    fixed = {"thread_id": site.thread_id, "post_id": site.post_id, "handle": site.member_handle,
             "filename": "css/site.css",
             # An imported blog post's old path (/from-blog/<old_path>): none was imported.
             "old_path": "2019/05/an-old-post/",
             # A link token (password reset, email confirmation) nobody was sent.
             "token": "a-token-this-site-never-sent-0123456789abcdef",
             # A language of the site (/language/<code>, the switcher).
             "code": "de",
             # A kind of quiet support (/stories/<slug>/react/<kind>, forum/reactions/).
             "kind": "thanks"}
    if name in fixed:
        return fixed[name]
    if name == "row_id":  # an old address: /threads/<row id>, /posts/<row id>, feeds
        return site.post_row if rule.startswith("/posts/") else site.thread_row
    if name.endswith("_id"):
        return _by_table(name[:-3])
    pytest.fail(f"can't fill <{name}> in {rule}: teach tests/security/site.py about it")


def urls(app, site: Site, method: str) -> list[tuple[str, str]]:
    """(endpoint, URL) for every rule that answers `method`, with real arguments."""
    found = []
    with app.test_request_context(), app.app_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if method in rule.methods:
                values = {name: argument(rule.rule, name, site) for name in rule.arguments}
                found.append((rule.endpoint, url_for(rule.endpoint, **values)))
    return found


def snapshot(app) -> dict[str, list[str]]:
    """Every row of every table, so a test can tell that nothing at all changed."""
    with app.app_context():
        return {
            table.name: sorted(repr(tuple(row)) for row in db.session.execute(table.select()))
            for table in db.metadata.sorted_tables
        }


def logged_in(make_browser, login_name: str, password: str = PASSWORD):
    person = make_browser()
    assert person.login(login_name, password).status_code == 302
    return person
