"""Unmasking: only admins look behind an anonymous name, with a reason, and it is logged."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Handle, Post, Unmasking, User
from tests.factories import make_board, make_reply, make_story, make_thread, make_user

REASON = "Credible threat reported against another member"


@pytest.fixture
def scene(ctx):
    """Alice writes anonymously and publicly; an admin, a moderator and a member exist."""
    alice = make_user("alice_login", "Alice Marsh")
    make_user("root", "Site Keeper", role="admin")
    make_user("june", "June Watch", role="moderator")
    make_user("bob", "Bob Reed")
    board = make_board()
    thread = make_thread(alice, board, title="Anonymous thread", anonymous=True)
    reply = make_reply(alice, thread, body="More from me", anonymous=True)
    signed = make_reply(alice, thread, body="Signed words")
    story = make_story(alice, title="Anonymous story", anonymous=True)
    return {
        "thread": thread.public_id, "post": reply.public_id, "signed": signed.public_id,
        "post_row": reply.id, "slug": story.slug,
        "pseudonym": reply.handle.name, "handle": reply.handle.id,
        "story_pseudonym": story.handle.name,
    }


def unmask(person, address, reason=REASON):
    return person.submit("/admin/unmask", {"address": address, "reason": reason})


def unmaskings() -> int:
    return db.session.scalar(select(func.count(Unmasking.id)))


def test_admin_unmasks_with_a_reason_and_it_is_logged(ctx, person, scene):
    assert person.login("root").status_code == 302
    assert person.get("/admin/unmask").status_code == 200
    response = unmask(person, f"/posts/{scene['post']}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert scene["pseudonym"] in body and "Alice Marsh" in body
    assert "alice_login" not in body
    assert response.headers["Cache-Control"] == "private, no-store"
    [row] = db.session.scalars(select(Unmasking)).all()
    admin = db.session.scalar(User.by_login_name("root"))
    assert (row.admin_id, row.handle_id, row.reason) == (admin.id, scene["handle"], REASON)

    log = person.get("/admin/unmaskings").get_data(as_text=True)
    assert "Site Keeper" in log and scene["pseudonym"] in log and REASON in log
    # The log says who looked and why, never what they found.
    assert "Alice Marsh" not in log


@pytest.mark.parametrize("address", [
    "{post}", "/posts/{post}", "http://localhost/threads/{thread}#p{post}",
    "https://afterward.example/posts/{post}/",
])
def test_post_addresses_in_any_form(app, person, scene, address):
    person.login("root")
    response = unmask(person, address.format(**scene))
    assert response.status_code == 200
    assert "Alice Marsh" in response.get_data(as_text=True)


def test_a_row_id_names_only_a_post_from_before_public_ids(ctx, person, scene):
    person.login("root")
    for address in ("{post_row}", "/posts/{post_row}", "/threads/1#p{post_row}"):
        response = unmask(person, address.format(**scene))
        assert response.status_code == 400 and "Nothing was found" in response.get_data(
            as_text=True), address
    db.session.get(Post, scene["post_row"]).has_legacy_url = True  # as migration 0006 does
    db.session.commit()
    response = unmask(person, "/posts/{post_row}".format(**scene))
    assert response.status_code == 200 and "Alice Marsh" in response.get_data(as_text=True)


def test_thread_and_story_addresses_unmask_their_starter(ctx, person, scene):
    person.login("root")
    story = unmask(person, f"/stories/{scene['slug']}").get_data(as_text=True)
    assert scene["story_pseudonym"] in story and "Alice Marsh" in story
    thread = unmask(person, f"/threads/{scene['thread']}").get_data(as_text=True)
    assert scene["pseudonym"] in thread and "Alice Marsh" in thread
    assert unmaskings() == 2


@pytest.mark.parametrize("reason", ["", "   ", "because"])
def test_a_reason_is_required(ctx, person, scene, reason):
    person.login("root")
    response = unmask(person, f"/posts/{scene['post']}", reason=reason)
    assert response.status_code == 400
    assert "Alice Marsh" not in response.get_data(as_text=True)
    assert unmaskings() == 0


def test_public_posts_and_nonsense_are_refused(ctx, person, scene):
    person.login("root")
    for address, message in ((f"/posts/{scene['signed']}", "public handle"),
                             ("/posts/999999", "Nothing was found"),
                             ("/boards/", "Nothing was found")):
        response = unmask(person, address)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert unmaskings() == 0


@pytest.mark.parametrize("login", ["june", "bob"])
def test_moderators_and_members_get_403(ctx, person, scene, login):
    person.login(login)
    assert person.get("/admin/unmask").status_code == 403
    assert person.get("/admin/unmaskings").status_code == 403
    token = person.csrf_token("/settings")
    response = person.client.post("/admin/unmask", data={
        "address": f"/posts/{scene['post']}", "reason": REASON, "csrf_token": token})
    assert response.status_code == 403
    assert "Alice Marsh" not in response.get_data(as_text=True)
    assert "Admin</a>" not in person.get("/").get_data(as_text=True)
    assert unmaskings() == 0


def test_visitors_are_sent_to_log_in(client, scene):
    response = client.get("/admin/unmaskings")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_a_deleted_account_cannot_be_unmasked_but_the_look_is_logged(ctx, person, scene):
    alice = db.session.scalar(User.by_login_name("alice_login"))
    for handle in db.session.scalars(select(Handle).where(Handle.user_id == alice.id)):
        handle.user_id = None
    db.session.delete(alice)
    db.session.commit()
    person.login("root")
    response = unmask(person, f"/posts/{scene['post']}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "deleted" in body and "Alice Marsh" not in body
    assert unmaskings() == 1
