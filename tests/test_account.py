"""The owner's own writing list, exporting one's data, and deleting one's account."""
from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from forum.clock import utcnow
from forum.extensions import db
from forum.models import (
    ANONYMOUS, DELETED, Follow, Handle, ModAction, Notification, Post, Report, Story, Thread, User,
)
from tests.factories import PASSWORD, make_board, make_reply, make_story, make_thread, make_user


def text(response) -> str:
    return response.get_data(as_text=True)


def alice_and_bob(app, person):
    """Alice (logged in on `browser`) and Bob, with ids."""
    with app.app_context():
        alice = make_user("alice_login", "Alice Marsh", email="alice@example.org")
        bob = make_user("bob_login", "Bob Reed")
        ids = alice.id, bob.id
    assert person.login("alice_login").status_code == 302
    return ids


def user(login_name) -> User:
    return db.session.scalar(User.by_login_name(login_name))


# --- my posts ---------------------------------------------------------------------------

def test_my_posts_needs_a_login(client):
    response = client.get("/settings/my-posts")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_my_posts_lists_public_and_anonymous_writing_with_pseudonyms(app, ctx, person, make_browser):
    alice_and_bob(app, person)
    alice, bob = user("alice_login"), user("bob_login")
    board = make_board()
    signed = make_story(alice, title="Signed story")
    secret = make_story(alice, title="Secret story", anonymous=True)
    thread = make_thread(bob, board, title="Bob's thread")
    make_reply(alice, thread, body="Signed reply")
    hidden_reply = make_reply(alice, thread, body="Anonymous reply", anonymous=True)
    make_reply(bob, thread, body="Bob's own words")
    story_pseudonym, reply_pseudonym = secret.handle.name, hidden_reply.handle.name
    assert signed.handle.name == "Alice Marsh"

    response = person.get("/settings/my-posts")
    body = text(response)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    for words in ("Signed story", "Secret story", "Signed reply", "Anonymous reply"):
        assert words in body
    assert f"as <strong>{story_pseudonym}</strong>" in body
    assert f"as <strong>{reply_pseudonym}</strong>" in body
    assert body.count("under your public handle") == 2
    assert "Bob&#39;s own words" not in body and "Bob's own words" not in body

    # Bob's list is his alone: none of Alice's writing, none of her names.
    other = make_browser()
    assert other.login("bob_login").status_code == 302
    bobs = text(other.get("/settings/my-posts"))
    assert "Bob&#39;s own words" in bobs or "Bob's own words" in bobs
    for leaked in ("Secret story", "Anonymous reply", story_pseudonym, reply_pseudonym):
        assert leaked not in bobs


def test_settings_links_to_my_posts_export_and_delete(app, person):
    alice_and_bob(app, person)
    body = text(person.get("/settings"))
    assert 'href="/settings/my-posts"' in body
    assert 'action="/settings/export"' in body
    assert 'href="/settings/delete"' in body


# --- export -----------------------------------------------------------------------------

def test_export_is_post_only_and_needs_csrf(app, person):
    alice_and_bob(app, person)
    assert person.get("/settings/export").status_code == 405
    assert person.client.post("/settings/export").status_code == 400


def test_export_has_all_my_data_and_nothing_of_anyone_else(app, ctx, person):
    alice_id, bob_id = alice_and_bob(app, person)
    alice, bob = user("alice_login"), user("bob_login")
    board = make_board()
    story = make_story(alice, title="Secret story", body="My testimony.", anonymous=True)
    thread = make_thread(bob, board, title="Bob's thread", body="Bob's first words")
    signed = make_reply(alice, thread, body="Signed reply")
    hidden = make_reply(alice, thread, body="Anonymous reply", anonymous=True)
    bobs_post = make_reply(bob, thread, signed, body="Bob answers")
    now = utcnow()
    db.session.add_all([
        Report(reporter_id=alice_id, post_id=bobs_post.id, reason="spam", details="Looks odd",
               created_at=now),
        Report(reporter_id=bob_id, post_id=signed.id, reason="other", created_at=now),
        Notification(user_id=alice_id, kind="moderation", reason="Alice's notice",
                     created_at=now),
        Notification(user_id=bob_id, kind="moderation", reason="Bob's notice",
                     created_at=now),
    ])
    db.session.commit()
    story_pseudonym, reply_pseudonym = story.handle.name, hidden.handle.name
    # Writing may already follow threads and notify; the export must match what is stored.
    my_notifications = db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == alice_id))
    my_follows = sorted(db.session.scalars(
        select(Thread.public_id).join(Follow, Follow.thread_id == Thread.id)
        .where(Follow.user_id == alice_id)))
    # The export names posts and threads by their public ids, as the site does.
    bobs_post_id = bobs_post.public_id

    response = person.submit("/settings", {}, action="/settings/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "private, no-store"
    data = json.loads(response.data)
    raw = response.get_data(as_text=True)

    assert data["account"]["login_name"] == "alice_login"
    assert data["account"]["email"] == "alice@example.org"
    assert "password" not in raw and "scrypt" not in raw and "session_version" not in raw
    names = {(h["name"], h["kind"]) for h in data["handles"]}
    assert names == {("Alice Marsh", "public"), (story_pseudonym, ANONYMOUS),
                     (reply_pseudonym, ANONYMOUS)}
    [exported_story] = data["stories"]
    assert exported_story["body"] == "My testimony."
    assert exported_story["anonymous"] and exported_story["posted_as"] == story_pseudonym
    posts = {p["body"]: p for p in data["posts"]}
    assert set(posts) == {"Signed reply", "Anonymous reply"}
    assert posts["Anonymous reply"]["anonymous"]
    assert posts["Anonymous reply"]["posted_as"] == reply_pseudonym
    assert not posts["Signed reply"]["anonymous"]
    assert [(r["reason"], r["details"]) for r in data["reports_filed"]] == [("spam", "Looks odd")]
    assert len(data["notifications"]) == my_notifications
    assert "Alice's notice" in [n["reason"] for n in data["notifications"]]
    assert sorted(f["thread_id"] for f in data["follows"]) == my_follows
    assert data["reports_filed"][0]["post_id"] == bobs_post_id
    for foreign in ("bob_login", "Bob Reed", "Bob answers", "Bob's first words", "Bob's notice"):
        assert foreign not in raw


# --- deleting the account ---------------------------------------------------------------

def delete_account(person, writing, password=PASSWORD):
    data = {"current_password": password}
    if writing:
        data["writing"] = writing
    return person.submit("/settings/delete", data)


@pytest.fixture
def written(app, ctx, person):
    """Alice's writing, some answered by Bob, some not; returns the ids involved."""
    alice_and_bob(app, person)
    alice, bob = user("alice_login"), user("bob_login")
    board = make_board()
    ids = {}
    # Her own thread: first post answered by Bob, plus a chain of her own replies.
    own = make_thread(alice, board, title="Alice's thread", body="Alice opens")
    first = db.session.scalar(select(Post).where(Post.thread_id == own.id))
    ids["answered"] = first.id
    ids["bob_reply"] = make_reply(bob, own, first, body="Bob replies to Alice").id
    chain = make_reply(alice, own, body="Alice alone")
    ids["chain_top"] = chain.id
    ids["chain_leaf"] = make_reply(alice, own, chain, body="Alice again", anonymous=True).id
    ids["own_thread"], ids["own_thread_page"] = own.id, own.public_id
    # A thread only she wrote in.
    lonely = make_thread(alice, board, title="Lonely thread", body="Nobody answered",
                         anonymous=True)
    ids["lonely_thread"] = lonely.id
    # Bob's thread with her anonymous reply.
    bobs = make_thread(bob, board, title="Bob's thread", body="Bob opens")
    ids["anon_reply"] = make_reply(alice, bobs, body="Anonymous from Alice",
                                   anonymous=True).id
    ids["bobs_thread"] = bobs.id
    # A story with a comment from Bob, and one without comments.
    commented = make_story(alice, title="Commented story", body="Story text", anonymous=True)
    make_reply(bob, commented.thread, body="Bob comments")
    make_reply(alice, commented.thread, body="Author answers", anonymous=True)
    ids["commented_story"], ids["commented_thread"] = commented.id, commented.thread_id
    # An erased story's address names it by public id, never by row id.
    ids["commented_tombstone"] = f"/stories/deleted_{commented.public_id}"
    ids["commented_slug"] = commented.slug
    quiet = make_story(alice, title="Quiet story", body="Nobody commented")
    ids["quiet_story"], ids["quiet_thread"] = quiet.id, quiet.thread_id
    ids["quiet_slug"] = quiet.slug
    ids["public_handle"] = alice.public_handle.id
    ids["alice"] = alice.id
    return ids


def assert_account_gone(app, make_browser, ids):
    with app.app_context():
        assert db.session.get(User, ids["alice"]) is None
        assert db.session.scalar(select(User).where(User.login_name == "alice_login")) is None
        assert db.session.scalar(select(Handle).where(Handle.user_id == ids["alice"])) is None
        assert db.session.scalar(select(Handle).where(Handle.name == "Alice Marsh")) is None
        # Every post count matches the rows left in its thread.
        for thread in db.session.scalars(select(Thread)):
            rows = db.session.scalar(select(func.count(Post.id)).where(Post.thread_id == thread.id))
            assert thread.post_count == rows, thread.title
        for post in db.session.scalars(select(Post).where(Post.parent_id.is_not(None))):
            assert db.session.get(Post, post.parent_id) is not None
    visitor = make_browser()
    assert visitor.login("alice_login").status_code == 400
    # The name is free again: someone else can register it.
    assert visitor.register("new_alice", handle="Alice Marsh").status_code == 302
    assert visitor.get("/u/Alice%20Marsh").status_code == 200


def test_delete_keeping_placeholders(app, ctx, person, make_browser, client, written):
    ids = written
    counts = dict(db.session.execute(select(Thread.id, Thread.post_count)).all())
    response = delete_account(person, "keep")
    assert response.status_code == 302
    assert person.get("/settings").status_code == 302  # logged out
    for key in ("answered", "chain_top", "chain_leaf", "anon_reply"):
        post = db.session.get(Post, ids[key])
        assert post.state == DELETED and post.body == "" and post.body_html == ""
    assert db.session.get(Post, ids["bob_reply"]).body == "Bob replies to Alice"
    assert dict(db.session.execute(select(Thread.id, Thread.post_count)).all()) == counts
    for key in ("commented_story", "quiet_story"):
        story = db.session.get(Story, ids[key])
        assert story.state == DELETED and story.body == "" and story.title == "[deleted]"
    # Pseudonyms remain on the placeholders, cut loose from any account.
    anon = db.session.get(Post, ids["anon_reply"]).handle
    assert anon.kind == ANONYMOUS and anon.user_id is None
    page = text(client.get(f"/threads/{ids['own_thread_page']}"))
    assert "Bob replies to Alice" in page and "Alice opens" not in page
    assert "[deleted]" in page and "Alice Marsh" not in page
    # The story's old address is gone; its comments live on under a placeholder.
    assert client.get(f"/stories/{ids['commented_slug']}").status_code == 404
    tombstone = text(client.get(ids["commented_tombstone"]))
    assert "Bob comments" in tombstone and "Story text" not in tombstone
    assert "The author deleted this story" in tombstone
    assert "Commented story" not in text(client.get("/stories/"))
    assert_account_gone(app, make_browser, ids)


def test_delete_removing_writing(app, ctx, person, make_browser, client, written):
    ids = written
    assert delete_account(person, "remove").status_code == 302
        # Answered: stays as a placeholder so Bob's reply keeps its parent.
    answered = db.session.get(Post, ids["answered"])
    assert answered.state == DELETED and answered.body == ""
    assert db.session.get(Post, ids["bob_reply"]).parent_id == ids["answered"]
    # Unanswered, including a chain of her own: gone.
    for key in ("chain_top", "chain_leaf", "anon_reply"):
        assert db.session.get(Post, ids[key]) is None
    assert db.session.get(Thread, ids["lonely_thread"]) is None
    assert db.session.get(Thread, ids["bobs_thread"]).post_count == 1
    assert db.session.get(Thread, ids["own_thread"]).post_count == 2
    # A story nobody commented on goes with its thread; a commented one stays as a placeholder.
    assert db.session.get(Story, ids["quiet_story"]) is None
    assert db.session.get(Thread, ids["quiet_thread"]) is None
    commented = db.session.get(Story, ids["commented_story"])
    assert commented.state == DELETED and commented.body == ""
    remaining = db.session.scalars(
        select(Post.body).where(Post.thread_id == ids["commented_thread"])).all()
    assert remaining == ["Bob comments"]
    assert "Bob comments" in text(client.get(ids["commented_tombstone"]))
    assert client.get(f"/stories/{ids['quiet_slug']}").status_code == 404
    assert_account_gone(app, make_browser, ids)


def test_a_reported_or_moderated_post_stays_as_a_placeholder(ctx, person, written):
    ids = written
    bob = user("bob_login")
    db.session.add(Report(reporter_id=bob.id, post_id=ids["anon_reply"], reason="spam",
                          created_at=utcnow()))
    db.session.add(ModAction(action="lock", reason="calm down", created_at=utcnow(),
                             thread_id=ids["lonely_thread"]))
    db.session.commit()
    assert delete_account(person, "remove").status_code == 302
    kept = db.session.get(Post, ids["anon_reply"])
    assert kept.state == DELETED and kept.body == ""
    assert db.session.get(Thread, ids["lonely_thread"]) is not None
    report = db.session.scalar(select(Report))
    assert report.post_id == ids["anon_reply"]


def test_delete_needs_the_password_and_a_choice(app, ctx, person):
    alice_and_bob(app, person)
    assert person.get("/settings/delete").status_code == 200
    response = delete_account(person, "keep", password="not my password")
    assert response.status_code == 400 and "not your current password" in text(response)
    assert "not my password" not in text(response)
    response = delete_account(person, None)
    assert response.status_code == 400 and "Please choose" in text(response)
    response = person.client.post("/settings/delete", data={
        "writing": "keep", "current_password": PASSWORD})
    assert response.status_code == 400  # no CSRF token
    assert user("alice_login") is not None
    assert person.get("/settings").status_code == 200


def test_deleting_frees_reports_and_ends_other_sessions(app, ctx, person, make_browser):
    alice_id, bob_id = alice_and_bob(app, person)
    other = make_browser()
    assert other.login("alice_login").status_code == 302
    bob = user("bob_login")
    board = make_board()
    thread = make_thread(bob, board)
    db.session.add(Report(reporter_id=alice_id, post_id=thread_first_post(thread.id),
                          reason="spam", created_at=utcnow()))
    db.session.commit()
    assert delete_account(person, "keep").status_code == 302
    assert other.get("/settings").status_code == 302
    report = db.session.scalar(select(Report))
    assert report is not None and report.reporter_id is None


def thread_first_post(thread_id: int) -> int:
    return db.session.scalar(select(Post.id).where(Post.thread_id == thread_id))


def test_deleted_public_handle_has_no_profile_and_old_address_is_404(app, person, client,
                                                                     written):
    assert client.get("/u/" + quote("Alice Marsh")).status_code == 200
    assert delete_account(person, "keep").status_code == 302
    assert client.get("/u/" + quote("Alice Marsh")).status_code == 404
    assert client.get("/u/" + quote("[deleted]")).status_code == 404
