"""Profile pages and account settings, driven through HTTP like a browser."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import ANONYMOUS, DELETED, HIDDEN, Handle, Post, Story, Thread, User
from forum.names import name_key
from tests.factories import PASSWORD, make_board, make_reply, make_story, make_thread, make_user

NEW_PASSWORD = "a much longer new passphrase"


def profile_url(name: str) -> str:
    return f"/u/{quote(name)}"


def page_text(response) -> str:
    return response.get_data(as_text=True)


def is_logged_in(person) -> bool:
    return person.get("/settings").status_code == 200


# --- the profile page -------------------------------------------------------------------

def test_profile_shows_handle_bio_joined_month_stories_and_posts(ctx, client):
    user = make_user("ruth", "Ruth Walks", created_at=datetime(2023, 3, 17, 9, 30))
    user.bio = "Out since 2019."
    db.session.commit()
    story = make_story(user, title="Leaving the Fellowship")
    board = make_board("Recovery")
    thread = make_thread(user, board, title="Sleeping again", body="It took a year.")
    comment = make_reply(user, story.thread, body="Thank you all for reading.")
    story_slug, thread_id, comment_id = story.slug, thread.public_id, comment.public_id

    response = client.get(profile_url("Ruth Walks"))
    body = page_text(response)
    assert response.status_code == 200
    assert "<h1" in body and "Ruth Walks" in body
    assert "Out since 2019." in body
    # Month precision only: the day of joining never shows.
    assert "Joined" in body and "March 2023" in body and "17 March" not in body
    assert "Leaving the Fellowship" in body and f'href="/stories/{story_slug}"' in body
    comments = db.session.get(Thread, story.thread_id).post_count
    assert comments >= 1 and f"· {comments} comment" in body
    # Each post links to its own address, which leads a board post to its thread and a story
    # comment to its story's page.
    assert "Sleeping again" in body and "Thank you all for reading." in body
    assert f'href="/posts/{comment_id}"' in body
    assert client.get(f"/posts/{comment_id}").location == f"/stories/{story_slug}#p{comment_id}"
    reply = re.search(r'href="(/posts/[^"]+)">Sleep', body) or re.search(
        r'In <a href="(/posts/[^"]+)">', body)
    assert client.get(reply.group(1)).location.startswith(f"/threads/{thread_id}#p")


def test_unknown_handle_is_404(client):
    assert client.get("/u/Nobody%20Here").status_code == 404


def test_profile_name_must_match_exactly(ctx, client):
    make_user("ruth", "Ruth")
    assert client.get("/u/Ruth").status_code == 200
    assert client.get("/u/ruth").status_code == 404


def test_anonymous_handle_and_deleted_account_have_no_profile(ctx, client):
    user = make_user("ruth", "Ruth")
    story = make_story(user, anonymous=True)
    anonymous_name = story.handle.name
    gone = make_user("gone", "Gone Away")
    db.session.get(Handle, gone.public_handle.id).user_id = None
    db.session.commit()
    assert client.get(profile_url(anonymous_name)).status_code == 404
    assert client.get(profile_url("Gone Away")).status_code == 404


def test_anonymous_writing_never_appears_on_the_profile(ctx, client):
    user = make_user("ruth", "Ruth")
    other = make_user("sam", "Sam")
    board = make_board()
    public_story = make_story(user, title="Signed story")
    secret_story = make_story(user, title="Secret story", anonymous=True)
    thread = make_thread(other, board, title="Open thread")
    make_reply(user, thread, body="Signed reply")
    anonymous_reply = make_reply(user, thread, body="Anonymous reply", anonymous=True)
    make_reply(user, public_story.thread, body="Anonymous comment", anonymous=True)
    make_thread(user, board, title="Anonymous thread", body="Anonymous first post",
                anonymous=True)
    pseudonyms = [secret_story.handle.name, anonymous_reply.handle.name]

    body = page_text(client.get(profile_url("Ruth")))
    assert "Signed story" in body and "Signed reply" in body
    for leaked in ("Secret story", "Anonymous reply", "Anonymous comment", "Anonymous thread",
                   "Anonymous first post", *pseudonyms):
        assert leaked not in body


def test_hidden_and_deleted_writing_is_not_listed(ctx, client):
    user = make_user("ruth", "Ruth")
    board = make_board()
    kept = make_thread(user, board, title="Kept thread", body="Kept words")
    removed = make_thread(user, board, title="Removed thread", body="Removed words")
    hidden_post = make_reply(user, kept, body="Hidden words")
    deleted_post = make_reply(user, kept, body="Deleted words")
    hidden_story = make_story(user, title="Hidden story")
    make_reply(user, hidden_story.thread, body="Comment under a hidden story")
    draft = make_story(user, title="Draft story", draft=True)
    db.session.get(Thread, removed.id).hidden = True
    db.session.get(Post, hidden_post.id).state = HIDDEN
    db.session.get(Post, deleted_post.id).state = DELETED
    db.session.get(Story, hidden_story.id).state = "hidden"
    assert draft.state == "draft"
    db.session.commit()

    body = page_text(client.get(profile_url("Ruth")))
    assert "Kept words" in body
    for gone in ("Removed thread", "Removed words", "Hidden words", "Deleted words",
                 "Hidden story", "Comment under a hidden story", "Draft story"):
        assert gone not in body


def test_lists_are_newest_first_and_paginate_by_keyset(app, ctx, client):
    app.config["ITEMS_PER_PAGE"] = 2
    start = datetime(2024, 1, 1)
    user = make_user("ruth", "Ruth")
    board = make_board()
    thread = make_thread(make_user(), board, title="A thread")
    for n in range(5):
        make_story(user, title=f"Story number {n}", now=start + timedelta(days=n))
        make_reply(user, thread, body=f"Reply number {n}", now=start + timedelta(days=n))

    first = page_text(client.get(profile_url("Ruth")))
    assert first.index("Story number 4") < first.index("Story number 3")
    assert "Story number 2" not in first and "Reply number 2" not in first
    assert "Older stories" in first and "Older posts" in first
    assert "offset" not in first.lower() and "page=" not in first

    last_reply = db.session.scalar(select(Post.public_id).where(Post.body == "Reply number 3"))
    second = page_text(client.get(profile_url("Ruth") + f"?posts_after={last_reply}"))
    assert "Reply number 2" in second and "Reply number 1" in second
    assert "Reply number 3" not in second and "Reply number 0" not in second

    assert client.get(profile_url("Ruth") + "?posts_after=nonsense").status_code == 404

    last_story = db.session.scalar(select(Story.public_id).where(Story.title == "Story number 3"))
    older = page_text(client.get(profile_url("Ruth") + f"?stories_after={last_story}"))
    assert older.index("Story number 2") < older.index("Story number 1")
    assert "Story number 3" not in older and "Story number 0" not in older
    assert "Older stories" in older and "No stories here" not in older
    # A cursor from another writer's list is not one of this list's items.
    other = make_story(make_user("sam", "Sam"), title="Sam's story")
    assert client.get(profile_url("Ruth") + f"?stories_after={other.public_id}").status_code == 404


def test_profile_costs_the_same_queries_for_3_and_30_posts(ctx, client, count_queries):
    board = make_board()
    few, many = make_user("few", "Few"), make_user("many", "Many")
    for author, n in ((few, 3), (many, 30)):
        make_story(author, title=f"Story by {author.login_name}")
        thread = make_thread(make_user(), board)
        story = make_story(make_user(), title=f"Story for {author.login_name}")
        for i in range(n):
            make_reply(author, thread if i % 2 else story.thread, body=f"Post {i}")

    with count_queries() as small:
        assert client.get("/u/Few").status_code == 200
    with count_queries() as large:
        assert client.get("/u/Many").status_code == 200
    assert len(small) == len(large)
    assert len(small) <= 4


# --- settings ---------------------------------------------------------------------------

def log_in_new_user(app, person, login_name="ruth", handle="Ruth"):
    with app.app_context():
        make_user(login_name, handle)
    assert person.login(login_name).status_code == 302


def save_profile(person, handle="Ruth", bio="", anonymous=False, follow=False):
    data = {"handle": handle, "bio": bio}
    if anonymous:
        data["anonymous_by_default"] = "y"
    return person.submit("/settings", data, action="/settings/profile",
                          follow_redirects=follow)


def test_settings_need_a_login(client):
    response = client.get("/settings")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_settings_page_has_its_labelled_forms(app, person):
    log_in_new_user(app, person)
    body = page_text(person.get("/settings"))
    # Site-wide forms (log out, search, the language switcher) aside, the page holds exactly
    # its own six.
    site_wide = (body.count('action="/auth/logout"')
                 + body.count('<form method="post" action="/language/'))
    assert body.count('<form method="post"') - site_wide == 6
    for action in ("/settings/profile", "/settings/email", "/settings/password",
                   "/settings/sessions", "/settings/export", "/settings/export/archive"):
        assert f'action="{action}"' in body
    for field in ("handle", "bio", "anonymous_by_default", "email", "email_password",
                  "current_password", "new_password", "confirm"):
        assert f'<label for="{field}"' in body
    assert 'value="Ruth"' in body
    # One CSRF input per form, none with a repeated id.
    assert 'id="csrf_token"' not in body


def test_change_handle_moves_the_profile(app, ctx, person, client):
    log_in_new_user(app, person)
    response = save_profile(person, handle="Ruth Again")
    assert response.status_code == 302 and response.headers["Location"].endswith("/settings")
    assert "Ruth Again" in page_text(person.get("/settings"))  # the flash message
    assert client.get("/u/Ruth").status_code == 404
    assert client.get(profile_url("Ruth Again")).status_code == 200
    handle = db.session.scalar(select(Handle).where(Handle.name == "Ruth Again"))
    assert handle.name_key == name_key("Ruth Again")


def test_look_alike_handle_is_refused_and_the_text_kept(app, ctx, person):
    make_user("paul", "Paul")
    log_in_new_user(app, person)
    response = save_profile(person, handle="Pau1", bio="My bio text")
    body = page_text(response)
    assert response.status_code == 400
    assert "taken" in body
    assert 'value="Pau1"' in body and "My bio text" in body
    assert db.session.scalar(select(User.bio).where(User.login_name == "ruth")) == ""


def test_invalid_handle_is_refused(app, person):
    log_in_new_user(app, person)
    response = save_profile(person, handle="R\u202euth")
    assert response.status_code == 400
    assert "invisible" in page_text(response)


def test_same_handle_with_new_case_is_allowed(app, person, client):
    log_in_new_user(app, person)
    assert save_profile(person, handle="RUTH").status_code == 302
    assert client.get("/u/RUTH").status_code == 200


def test_bio_is_shown_as_escaped_text_with_line_breaks(app, person, client):
    log_in_new_user(app, person)
    bio = "<script>alert('hi')</script>\r\nSecond line **not bold**"
    assert save_profile(person, bio=bio).status_code == 302
    body = page_text(client.get("/u/Ruth"))
    assert "<script>alert" not in body
    assert "&lt;script&gt;" in body
    assert "<br>Second line **not bold**" in body


def test_bio_too_long_is_refused(app, person):
    log_in_new_user(app, person)
    response = save_profile(person, bio="x" * 2001)
    assert response.status_code == 400
    assert "2000" in page_text(response)


def test_anonymous_by_default_is_saved(app, ctx, person):
    log_in_new_user(app, person)
    assert save_profile(person, anonymous=True).status_code == 302
    assert db.session.scalar(select(User).where(User.login_name == "ruth")).anonymous_by_default
    assert save_profile(person, anonymous=False).status_code == 302
    user = db.session.scalar(select(User).where(User.login_name == "ruth"))
    assert not user.anonymous_by_default


def test_settings_forms_need_a_csrf_token(app, ctx, person):
    log_in_new_user(app, person)
    response = person.client.post("/settings/profile", data={"handle": "Taken Over", "bio": ""})
    assert response.status_code == 400
    assert db.session.scalar(select(Handle).where(Handle.name == "Taken Over")) is None


def change_password(person, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return person.submit("/settings", {
        "current_password": current, "new_password": new,
        "confirm": new if confirm is None else confirm,
    }, action="/settings/password")


def test_password_change_needs_the_current_password(app, ctx, person):
    log_in_new_user(app, person)
    response = change_password(person, current="not my password")
    body = page_text(response)
    assert response.status_code == 400
    assert "not your current password" in body
    assert NEW_PASSWORD not in body and "not my password" not in body
    user = db.session.scalar(select(User).where(User.login_name == "ruth"))
    assert user.check_password(PASSWORD)


def test_password_change_checks_length_and_confirmation(app, person):
    log_in_new_user(app, person)
    assert change_password(person, new="short").status_code == 400
    response = change_password(person, confirm="something else entirely")
    assert response.status_code == 400 and "differ" in page_text(response)


def test_password_change_ends_other_sessions_but_not_this_one(app, person, make_browser):
    log_in_new_user(app, person)
    other = make_browser()
    assert other.login("ruth").status_code == 302
    assert is_logged_in(other)

    response = change_password(person)
    assert response.status_code == 302
    assert is_logged_in(person)
    assert not is_logged_in(other)

    third = make_browser()
    assert third.login("ruth", PASSWORD).status_code != 302
    assert third.login("ruth", NEW_PASSWORD).status_code == 302


def test_guessing_the_current_password_is_rate_limited(app, person):
    app.config["PASSWORD_CHECK_LIMIT"] = "10 per hour"  # the real limit; tests relax it
    log_in_new_user(app, person)
    for _ in range(10):
        assert change_password(person, current="a wrong guess").status_code == 400
    assert change_password(person, current="a wrong guess").status_code == 429


def test_sign_out_everywhere_else(app, person, make_browser):
    log_in_new_user(app, person)
    other = make_browser()
    other.login("ruth")
    response = person.submit("/settings", {}, action="/settings/sessions")
    assert response.status_code == 302
    assert is_logged_in(person)
    assert not is_logged_in(other)


def test_pseudonyms_are_untouched_by_a_handle_change(app, ctx, person):
    log_in_new_user(app, person)
    user = db.session.scalar(select(User).where(User.login_name == "ruth"))
    story = make_story(user, anonymous=True)
    pseudonym = story.handle.name
    assert save_profile(person, handle="Ruth Renamed").status_code == 302
    kinds = db.session.execute(
        select(Handle.kind, Handle.name).where(Handle.name.in_([pseudonym, "Ruth Renamed"]))
    ).all()
    assert sorted(kinds) == sorted([(ANONYMOUS, pseudonym), ("public", "Ruth Renamed")])


# --- links to a post on a later page of its thread ----------------------------------------

def _links_in(body: str, title: str) -> list[str]:
    return re.findall(rf'<a href="([^"]+)">{re.escape(title)}</a>', body)


@pytest.fixture
def small_pages(app_config):
    app_config["POSTS_PER_PAGE"] = 2
    return app_config


def test_profile_and_my_posts_link_to_the_page_holding_the_post(small_pages, ctx, client,
                                                                   person):
    ruth, other = make_user("ruth", "Ruth"), make_user("other", "Other")
    thread = make_thread(other, make_board(), title="A long thread", body="Opening post")
    story = make_story(other, title="A long story")
    for i in range(3):
        make_reply(other, thread, body=f"Earlier reply {i}")
        make_reply(other, story.thread, body=f"Earlier comment {i}")
    late_reply = make_reply(ruth, thread, body="Ruth's late reply").public_id
    late_comment = make_reply(ruth, story.thread, body="Ruth's late comment").public_id
    assert person.login("ruth").status_code == 302

    for page in (profile_url("Ruth"), "/settings/my-posts"):
        body = page_text(client.get(page) if page.startswith("/u/") else person.get(page))
        for title, post_id in (("A long thread", late_reply), ("A long story", late_comment)):
            links = _links_in(body, title)
            assert len(links) == 1, (page, title, body)
            # The link is the post's own address, which sends the reader to the page that
            # holds it, scrolled to it.
            assert links[0] == f"/posts/{post_id}"
            moved = client.get(links[0])
            assert moved.status_code == 302 and moved.location.endswith(f"#p{post_id}")
            reached = page_text(client.get(links[0], follow_redirects=True))
            assert f'id="p{post_id}"' in reached, (page, links[0])
