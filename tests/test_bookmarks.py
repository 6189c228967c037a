"""Bookmarks: a member keeps a story or a post; the Bookmarks page lists them, privately.

Through HTTP: keeping and removing, the page with its keyset pages and constant statements,
what went unreadable ("no longer available", with nothing of its words), 404 to everyone
else (members, moderators, administrators), no bookmark of one member shown to another
across the shared post-tree caches, the limit, the export and account deletion."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from forum.clock import utcnow
from forum.extensions import db
from forum.models import BoardMember, Bookmark, Post, Story, User
from forum.moderation import actions
from forum.profiles.deletion import delete_account
from tests.factories import make_board, make_reply, make_story, make_thread, make_user

BOOKMARK_ID = re.compile(r'action="/bookmarks/([a-z0-9]{12})/remove"')


def _user(login):
    return db.session.scalar(select(User).where(User.login_name == login))


@pytest.fixture
def scene(ctx, make_browser):
    writer = make_user("writer", "Writer")
    make_user("ana", "Ana")
    make_user("ben", "Ben")
    make_user("mod", "Mod", role="moderator")
    make_user("root", "Root", role="admin")
    story = make_story(writer, title="The long way out", body="It began with a meeting.")
    thread = make_thread(writer, make_board("General"), title="Coming out of it",
                         body="Where do I start?")
    reply = make_reply(writer, thread, body="A reply worth keeping, about the first winter.")
    people = {}
    for login in ("ana", "ben", "mod", "root"):
        people[login] = make_browser()
        assert people[login].login(login).status_code == 302
    return {"story": story, "thread": thread, "reply": reply, "people": people}


def _keep_story(person, story, keep="1"):
    url = f"/stories/{story.slug}"
    return person.submit(url, {"keep": keep, "next": url},
                         action=f"/bookmarks/stories/{story.public_id}")


def _keep_post(person, thread, post):
    return person.submit(f"/threads/{thread.public_id}", {},
                         action=f"/bookmarks/posts/{post.public_id}")


def test_a_member_keeps_a_story_and_a_post_and_removes_them(scene):
    ana, story, thread, reply = (scene["people"]["ana"], scene["story"], scene["thread"],
                                 scene["reply"])
    page = ana.get(f"/stories/{story.slug}").get_data(as_text=True)
    assert "Bookmark this story" in page and "Remove the bookmark" not in page
    answer = _keep_story(ana, story)
    assert answer.status_code == 302 and answer.location.endswith(f"/stories/{story.slug}")
    page = ana.get(f"/stories/{story.slug}").get_data(as_text=True)
    assert "Remove the bookmark" in page and "Bookmark this story" not in page
    # A post, from the button under it in the thread.
    tree = ana.get(f"/threads/{thread.public_id}").get_data(as_text=True)
    assert f'action="/bookmarks/posts/{reply.public_id}"' in tree
    answer = _keep_post(ana, thread, reply)
    assert answer.status_code == 302 and f"/posts/{reply.public_id}" in answer.location
    assert _keep_post(ana, thread, reply).status_code == 302  # again: still one
    assert db.session.scalar(select(db.func.count(Bookmark.id))) == 2
    listed = ana.get("/bookmarks").get_data(as_text=True)
    assert "The long way out" in listed and "It began with a meeting." in listed
    assert 'A post in “<span lang="en">Coming out of it</span>”' in listed
    assert "the first winter" in listed
    # Newest first: the post was kept last.
    assert listed.index("Coming out of it") < listed.index("The long way out")
    # Press again on the story page: removed.
    _keep_story(ana, story, keep="0")
    assert "Bookmark this story" in ana.get(f"/stories/{story.slug}").get_data(as_text=True)
    # Remove the post on the Bookmarks page.
    (bookmark_id,) = BOOKMARK_ID.findall(ana.get("/bookmarks").get_data(as_text=True))
    answer = ana.submit("/bookmarks", {}, action=f"/bookmarks/{bookmark_id}/remove")
    assert answer.status_code == 302 and answer.location.endswith("/bookmarks")
    assert "You have no bookmarks yet" in ana.get("/bookmarks").get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(Bookmark.id))) == 0


def test_the_bookmarks_page_is_linked_from_the_account_menu_and_settings(scene):
    ana = scene["people"]["ana"]
    assert ana.get("/").get_data(as_text=True).count('href="/bookmarks"') == 1
    assert 'href="/bookmarks"' in ana.get("/settings").get_data(as_text=True)


def test_a_bookmark_is_404_to_everyone_else(scene, make_browser):
    people, story = scene["people"], scene["story"]
    _keep_story(people["ana"], story)
    (bookmark_id,) = BOOKMARK_ID.findall(people["ana"].get("/bookmarks").get_data(as_text=True))
    for login in ("ben", "mod", "root"):
        person = people[login]
        assert person.submit("/bookmarks", {},
                             action=f"/bookmarks/{bookmark_id}/remove").status_code == 404
        listed = person.get("/bookmarks").get_data(as_text=True)
        assert "The long way out" not in listed and bookmark_id not in listed
        # Ana's bookmark as a cursor of another's list: not in that list, so a 404.
        assert person.get(f"/bookmarks?after={bookmark_id}").status_code == 404
    # A made-up id answers the same as another's.
    assert people["ben"].submit("/bookmarks", {},
                                action="/bookmarks/abcdefghijkl/remove").status_code == 404
    visitor = make_browser()
    assert visitor.get("/bookmarks").status_code == 302  # to log in
    assert visitor.client.post(f"/bookmarks/{bookmark_id}/remove").status_code in (302, 400)
    assert db.session.scalar(select(db.func.count(Bookmark.id))) == 1
    # Nobody else's story page says Ana keeps it.
    for login in ("ben", "mod", "root"):
        assert "Remove the bookmark" not in people[login].get(
            f"/stories/{story.slug}").get_data(as_text=True)


def _tree(html: str) -> str:
    start = html.index('<ol class="comment-tree"')
    return html[start:html.index("</ol>", start)]


def _anonymous(html: str) -> str:
    return re.sub(r'(name="(?:csrf_token|once)" value=")[^"]+', r"\1", html)


def test_a_kept_post_never_shows_on_another_members_page_across_the_cache(scene):
    people, thread, reply, story = (scene["people"], scene["thread"], scene["reply"],
                                    scene["story"])
    comment = make_reply(_user("writer"), story.thread, body="A comment on the story.")
    ana, ben = people["ana"], people["ben"]
    for url in (f"/threads/{thread.public_id}", f"/stories/{story.slug}"):
        before = _anonymous(_tree(ben.get(url).get_data(as_text=True)))
        _keep_post(ana, thread, reply)
        ana.submit(url, {}, action=f"/bookmarks/posts/{comment.public_id}")
        # Ana's page, served from the members' copy and then for her: the same button.
        ana_tree = _anonymous(_tree(ana.get(url).get_data(as_text=True)))
        ben_tree = _anonymous(_tree(ben.get(url).get_data(as_text=True)))
        assert ana_tree == ben_tree == before
        assert "Remove the bookmark" not in ana_tree


def test_what_went_unreadable_is_no_longer_available_and_shows_nothing_of_it(scene):
    people, story, thread, reply = (scene["people"], scene["story"], scene["thread"],
                                    scene["reply"])
    ana = people["ana"]
    circle = make_board("Inner", audience="circle")
    ana_user = _user("ana")
    for member in (ana_user, _user("writer")):
        db.session.add(BoardMember(board_id=circle.id, user_id=member.id, granted_at=utcnow()))
    db.session.commit()
    inner = make_thread(_user("writer"), circle, title="Circle secret title",
                        body="Circle words only.")
    inner_post = db.session.scalar(select(Post).where(Post.thread_id == inner.id))
    _keep_story(ana, story)
    _keep_post(ana, thread, reply)
    _keep_post(ana, inner, inner_post)
    listed = ana.get("/bookmarks").get_data(as_text=True)
    assert "Circle secret title" in listed and "No longer available" not in listed
    moderator = _user("mod")
    actions.hide(moderator, db.session.get(Story, story.id), reason="Off topic.", now=utcnow())
    actions.hide(moderator, db.session.get(Post, reply.id), reason="Off topic.", now=utcnow())
    db.session.delete(db.session.get(BoardMember, (circle.id, ana_user.id)))
    db.session.commit()
    listed = ana.get("/bookmarks").get_data(as_text=True)
    assert listed.count("No longer available") == 3
    for words in ("The long way out", "It began with a meeting", "Coming out of it",
                  "first winter", "Circle secret title", "Circle words", story.slug,
                  reply.public_id, inner_post.public_id):
        assert words not in listed, words
    # Each can still be removed.
    assert len(BOOKMARK_ID.findall(listed)) == 3
    # And what a member cannot read cannot be kept: the 404 of a missing one.
    ben = people["ben"]
    assert ben.submit("/", {}, action=f"/bookmarks/stories/{story.public_id}").status_code == 404
    assert ben.submit("/", {}, action=f"/bookmarks/posts/{reply.public_id}").status_code == 404
    assert ben.submit("/", {},
                      action=f"/bookmarks/posts/{inner_post.public_id}").status_code == 404


@pytest.mark.parametrize("size", [3, 25])
def test_the_bookmarks_page_is_keyset_paginated_in_constant_statements(
        ctx, make_browser, count_queries, size):
    writer = make_user("writer", "Writer")
    reader = make_user("reader", "Reader")
    board = make_board("General")
    thread = make_thread(writer, board, title="Many", body="Start.")
    for n in range(size):
        story = make_story(writer, title=f"Kept story {n:02d}", body=f"Story {n}.")
        post = make_reply(writer, thread, body=f"Kept post {n:02d}.")
        db.session.add_all([Bookmark(user_id=reader.id, story_id=story.id, created_at=utcnow()),
                            Bookmark(user_id=reader.id, post_id=post.id, created_at=utcnow())])
    db.session.commit()
    person = make_browser()
    person.login("reader")
    person.get("/bookmarks")
    with count_queries() as statements:
        first = person.get("/bookmarks").get_data(as_text=True)
    # The reader with their unread count; the page of bookmarks.
    assert len(statements) == 2, statements
    seen = BOOKMARK_ID.findall(first)
    assert len(seen) == min(20, 2 * size)
    after = re.search(r'href="/bookmarks\?after=([a-z0-9]+)" rel="next"', first)
    assert (after is not None) == (2 * size > 20)
    if after:
        with count_queries() as statements:
            second = person.get(f"/bookmarks?after={after.group(1)}").get_data(as_text=True)
        # The cursor's lookup, then the page.
        assert len(statements) == 3, statements
        more = BOOKMARK_ID.findall(second)
        assert not set(more) & set(seen)
        assert len(seen) + len(more) <= 2 * size
        # Newest first: the last kept comes first.
        assert "Kept post 24" in first and "Kept story 00" not in first


def test_keeping_is_limited(scene, app):
    app.config["BOOKMARK_LIMIT"] = "2 per hour"
    ana, story = scene["people"]["ana"], scene["story"]
    _keep_story(ana, story)
    _keep_story(ana, story, keep="0")
    answer = _keep_story(ana, story)
    assert answer.status_code == 302
    page = ana.get(f"/stories/{story.slug}").get_data(as_text=True)
    assert "That is as many bookmarks" in page
    assert db.session.scalar(select(db.func.count(Bookmark.id))) == 0


def test_bookmarks_are_in_the_export_and_go_with_the_account(scene):
    ana, story, thread, reply = (scene["people"]["ana"], scene["story"], scene["thread"],
                                 scene["reply"])
    _keep_story(ana, story)
    _keep_post(ana, thread, reply)
    _keep_story(scene["people"]["ben"], story)
    answer = ana.submit("/settings", {}, action="/settings/export")
    assert answer.status_code == 200, answer.status_code
    data = answer.get_json()
    kept = {(b["story_id"], b["post_id"]) for b in data["bookmarks"]}
    assert kept == {(story.public_id, None), (None, reply.public_id)}
    assert all(b["kept_at"] for b in data["bookmarks"])
    ana_id = _user("ana").id
    answer = ana.submit("/settings/delete", {"current_password": "correct horse battery",
                                             "writing": "keep"})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert _user("ana") is None
    assert db.session.scalars(select(Bookmark.user_id)).all() == [_user("ben").id]
    assert ana_id not in db.session.scalars(select(Bookmark.user_id)).all()


def test_a_post_removed_for_good_leaves_no_bookmark(scene):
    """The writer deletes their account with their writing: others' bookmarks of what went
    go with it (ON DELETE CASCADE, honoured by the deletion's own purge)."""
    ana, thread, reply = scene["people"]["ana"], scene["thread"], scene["reply"]
    _keep_post(ana, thread, reply)
    assert db.session.scalar(select(db.func.count(Bookmark.id))) == 1
    reply_id = reply.id
    delete_account(_user("writer"), password="correct horse battery", remove_writing=True,
                   now=utcnow())
    assert db.session.get(Post, reply_id) is None
    assert db.session.scalar(select(db.func.count(Bookmark.id))) == 0
