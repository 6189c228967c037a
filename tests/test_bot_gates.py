"""Quiet bot gates: a honeypot, a minimum time to fill in a form, a link limit for young
accounts and no double posts; each refused with neutral words and the writer's text kept,
and none of them in the way of an established member."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum import site_settings
from forum.clock import utcnow
from forum.extensions import db
from forum.gates import stamp
from forum.models import Post, Story, Thread, User
from tests.factories import make_board, make_reply, make_story, make_thread, make_user

TRY_AGAIN = "Please try again in a moment"
PASSWORD = "correct horse battery"


@pytest.fixture
def app_config(app_config):
    """The gates as a site runs them (tests/conftest.py turns two of them off)."""
    return {**app_config, "FORM_MIN_SECONDS": 3, "DUPLICATE_WINDOW": 10}


def _long_ago() -> str:
    """The signed time of a form shown a minute ago, as a person typing would send it."""
    return stamp(utcnow() - timedelta(minutes=1))


def _registration(login: str, **extra) -> dict:
    return {"login_name": login, "handle": login.capitalize(), "password": PASSWORD,
            "confirm": PASSWORD, "email": "", **extra}


def _accounts() -> int:
    return db.session.scalar(select(func.count(User.id)))


def _story(title: str, body: str, **extra) -> dict:
    return {"title": title, "summary": "", "body": body, "action": "publish", **extra}


@pytest.fixture
def newcomer(ctx, person):
    """A member registered today (an old enough form, so the gates let the account in)."""
    assert person.submit("/auth/register", _registration("nova", started=_long_ago())
                         ).status_code == 302
    return person


@pytest.fixture
def board(ctx):
    return make_board("Just out")


# --- registration -------------------------------------------------------------------------

def test_the_register_form_carries_both_gates(client):
    page = client.get("/auth/register").get_data(as_text=True)
    assert 'class="gate-field" aria-hidden="true"' in page
    assert 'name="website" value="" tabindex="-1" autocomplete="off"' in page
    assert "Leave this field empty" in page
    assert 'name="started" type="hidden" value="' in page


def test_registration_sent_at_once_is_refused_neutrally_with_the_answers_kept(ctx, person):
    response = person.submit("/auth/register", _registration("speedy"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert TRY_AGAIN in page and 'value="speedy"' in page
    assert "robot" not in page.split("gate-field")[0]  # the words accuse nobody
    assert _accounts() == 0
    # Sent again a moment later, the same form (its first time kept) goes through.
    started = page.split('name="started" type="hidden" value="')[1].split('"')[0]
    assert person.submit("/auth/register", _registration("speedy", started=started)
                         ).status_code == 400  # still within the three seconds here
    assert person.submit("/auth/register", _registration("speedy", started=_long_ago())
                         ).status_code == 302
    assert _accounts() == 1


def test_registration_with_the_honeypot_filled_is_refused(ctx, person):
    response = person.submit("/auth/register", _registration(
        "botty", started=_long_ago(), website="http://spam.example"))
    assert response.status_code == 400 and TRY_AGAIN in response.get_data(as_text=True)
    assert _accounts() == 0


def test_a_forged_or_missing_time_is_refused(ctx, person):
    forged = _long_ago()[:-3] + "abc"
    for started in (forged, "1", ""):
        response = person.submit("/auth/register", _registration("forger", started=started))
        assert response.status_code == 400, started
    assert _accounts() == 0


# --- writing, for an account not yet established -----------------------------------------

def test_a_new_members_story_sent_at_once_is_refused_with_its_text_kept(newcomer):
    response = newcomer.submit("/stories/new", _story("Fast story", "Typed in no time."))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert TRY_AGAIN in page and "Typed in no time." in page and 'value="Fast story"' in page
    assert db.session.scalar(select(Story.id)) is None
    response = newcomer.submit("/stories/new", _story("Fast story", "Typed in no time.",
                                                      started=_long_ago()))
    assert response.status_code == 302
    assert db.session.scalar(select(Story.title)) == "Fast story"


def test_a_new_members_thread_and_reply_meet_the_gates(newcomer, board):
    response = newcomer.submit(f"/boards/{board.slug}/new",
                               {"title": "Hello", "body": "First words here."})
    assert response.status_code == 400 and "First words here." in response.get_data(as_text=True)
    response = newcomer.submit(f"/boards/{board.slug}/new",
                               {"title": "Hello", "body": "First words here.",
                                "started": _long_ago(), "website": "x"})
    assert response.status_code == 400  # the honeypot
    response = newcomer.submit(f"/boards/{board.slug}/new",
                               {"title": "Hello", "body": "First words here.",
                                "started": _long_ago()})
    assert response.status_code == 302
    thread = db.session.scalar(select(Thread.public_id))
    # The reply box under the thread carries the gates too.
    page = newcomer.get(f"/threads/{thread}").get_data(as_text=True)
    assert 'class="gate-field"' in page and 'name="started"' in page
    reply = newcomer.submit(f"/threads/{thread}", {"body": "And a reply."},
                            action=f"/threads/{thread}/reply")
    assert reply.status_code == 400 and "And a reply." in reply.get_data(as_text=True)
    reply = newcomer.submit(f"/threads/{thread}", {"body": "And a reply.",
                                                   "started": _long_ago()},
                            action=f"/threads/{thread}/reply")
    assert reply.status_code == 302
    assert db.session.scalar(select(func.count(Post.id))) == 2


def test_an_established_member_meets_no_gate(ctx, person, board):
    old = utcnow() - timedelta(days=60)
    veteran = make_user("vera", "Vera", created_at=old)
    make_story(veteran, title="Years ago", body="Written long ago.")
    person.login("vera")
    response = person.submit("/stories/new", _story("Quick one", "Sent at once."))
    assert response.status_code == 302
    response = person.submit(f"/boards/{board.slug}/new",
                             {"title": "Links", "body": "http://a.example http://b.example "
                                                        "http://c.example"})
    assert response.status_code == 302


# --- links --------------------------------------------------------------------------------

THREE_LINKS = "See [one](http://a.example), <http://b.example> and www.c.example today."
TWO_LINKS = "See [one](http://a.example) and <http://b.example>."


def test_a_young_account_may_put_two_links_in_a_post_not_three(newcomer, board):
    data = {"title": "Where to read", "body": THREE_LINKS, "started": _long_ago()}
    response = newcomer.submit(f"/boards/{board.slug}/new", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "at most 2 links" in page and "www.c.example today." in page
    data["body"] = TWO_LINKS
    assert newcomer.submit(f"/boards/{board.slug}/new", data).status_code == 302
    thread = db.session.scalar(select(Thread))
    # An edit cannot add them afterwards.
    post = db.session.scalar(select(Post.public_id))
    edit = newcomer.submit(f"/posts/{post}/edit", {"body": THREE_LINKS})
    assert edit.status_code == 400 and "at most 2 links" in edit.get_data(as_text=True)
    # A story's text counts the same.
    story = newcomer.submit("/stories/new", _story("Links", THREE_LINKS, started=_long_ago()))
    assert story.status_code == 400 and "at most 2 links" in story.get_data(as_text=True)
    assert thread.post_count == 1


def test_the_admin_sets_the_link_limit_without_a_restart(newcomer, board):
    site_settings.store("young_account_link_limit", 0, utcnow())
    db.session.commit()
    response = newcomer.submit(f"/boards/{board.slug}/new", {
        "title": "One link", "body": "Only http://a.example", "started": _long_ago()})
    assert response.status_code == 400 and "no links" in response.get_data(as_text=True)


# --- the same words twice -----------------------------------------------------------------

def test_the_same_reply_twice_in_a_few_minutes_is_refused_with_the_text_kept(newcomer, board):
    discussion = make_thread(make_user(), board)
    thread = discussion.public_id
    data = {"body": "Welcome,  everyone!", "started": _long_ago()}
    assert newcomer.submit(f"/threads/{thread}", data,
                           action=f"/threads/{thread}/reply").status_code == 302
    again = newcomer.submit(f"/threads/{thread}", {**data, "body": "welcome, everyone!\n"},
                            action=f"/threads/{thread}/reply")
    page = again.get_data(as_text=True)
    assert again.status_code == 409
    assert "You posted exactly these words" in page and "welcome, everyone!" in page
    # Someone else may say the same thing.
    other = make_user("omar", "Omar")
    assert make_reply(other, discussion, body="Welcome, everyone!").id


def test_the_same_words_after_the_window_are_fine(newcomer, board):
    thread = make_thread(make_user(), board)
    nova = db.session.scalar(select(User).where(User.login_name == "nova"))
    earlier = make_reply(nova, thread, body="Same words.")
    earlier.created_at = utcnow() - timedelta(minutes=11)
    db.session.commit()
    response = newcomer.submit(f"/threads/{thread.public_id}",
                               {"body": "Same words.", "started": _long_ago()},
                               action=f"/threads/{thread.public_id}/reply")
    assert response.status_code == 302


def test_a_story_repeated_at_once_is_refused(newcomer):
    data = _story("Twice", "The very same story text.", started=_long_ago())
    assert newcomer.submit("/stories/new", data).status_code == 302
    again = newcomer.submit("/stories/new", {**data, "title": "Twice again"})
    assert again.status_code == 409
    assert "The very same story text." in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Story.id))) == 1


# --- the duplicate check compares stored keys of the words ---------------------------------

def _nova() -> User:
    return db.session.scalar(select(User).where(User.login_name == "nova"))


def test_the_repeat_is_found_under_any_name_of_the_account_and_in_a_new_thread(newcomer,
                                                                              board):
    """The check rides in the statement that reads the writer's handle: an anonymous reply
    (no handle read) and a new thread are checked all the same."""
    from forum.posting import refusals, replies
    thread = make_thread(make_user(), board)
    make_reply(_nova(), thread, body="Said once,  under my name.")
    with pytest.raises(refusals.Duplicate):
        replies.reply(_nova(), thread, None, "said once, under my name.", anonymous=True,
                      now=utcnow())
    with pytest.raises(refusals.Duplicate):
        replies.create_thread(_nova(), board, title="Again", body="SAID ONCE, under my name.",
                              anonymous=False, now=utcnow())
    db.session.rollback()
    assert db.session.scalar(select(func.count(Post.id)).where(Post.thread_id == thread.id)) == 2
    assert db.session.scalar(select(func.count(Thread.id))) == 1
    # A story's words, repeated in a reply, too.
    make_story(_nova(), body="A story of mine.")
    with pytest.raises(refusals.Duplicate):
        make_reply(_nova(), thread, body="a story  of mine.")


def test_the_key_follows_every_change_of_the_words(newcomer, board):
    """Edited words: the new ones count, the old ones no longer; deleted words may be written
    again (as when the bodies were compared); undone, they count again."""
    from forum.models.content import words_key
    from forum.posting import refusals, replies
    thread = make_thread(make_user(), board)
    post = make_reply(_nova(), thread, body="First words.")
    assert post.body_key == words_key("first   WORDS.")
    replies.edit_post(_nova(), post, "Second words.", now=utcnow())
    make_reply(_nova(), thread, body="First words.")  # no longer repeated
    with pytest.raises(refusals.Duplicate):
        make_reply(_nova(), thread, body="Second words.")
    db.session.rollback()
    replies.delete_post(_nova(), post, now=utcnow())
    assert post.body_key is None
    replies.undo_delete(_nova(), post, now=utcnow())
    assert post.body_key == words_key("Second words.")
    with pytest.raises(refusals.Duplicate):
        make_reply(_nova(), thread, body="Second words.")


def test_erasing_an_account_erases_its_keys(ctx, board):
    """deletion.py empties bodies with a Core UPDATE, which no ORM event sees: it clears the
    keys itself, so nothing is left to tell what the words were."""
    from forum.profiles.deletion import delete_account
    from tests.factories import PASSWORD as FACTORY_PASSWORD
    leaving = make_user("leaving")
    thread = make_thread(make_user(), board)
    post_id = make_reply(leaving, thread, body="Goodbye.").id
    story_id = make_story(leaving, body="My story.").id
    delete_account(leaving, password=FACTORY_PASSWORD, remove_writing=False, now=utcnow())
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Post, post_id).body_key is None
    assert db.session.get(Story, story_id).body_key is None


def test_the_check_looks_at_the_50_latest_posts_of_all_the_accounts_names(newcomer, board):
    """Exactly as strict as before the keys: the account's 50 latest posts in the window,
    whichever of its names wrote them (on PostgreSQL read name by name, LATERAL)."""
    from forum.posting import refusals
    thread = make_thread(make_user(), board)
    start = utcnow() - timedelta(minutes=5)
    make_reply(_nova(), thread, body="Words from the start.", now=start)
    make_reply(_nova(), thread, body="Words under a pseudonym.", anonymous=True,
               now=start + timedelta(seconds=1))
    for n in range(49):  # 49 more, alternating names: the first post is now the 51st latest
        make_reply(_nova(), thread, body=f"Reply {n}.", anonymous=n % 2 == 0,
                   now=start + timedelta(seconds=2 + n))
    with pytest.raises(refusals.Duplicate):  # the pseudonym's post is the 50th latest
        make_reply(_nova(), thread, body="words under a pseudonym.")
    db.session.rollback()
    make_reply(_nova(), thread, body="Words from the start.")  # the 51st: fine
