"""Slow mode and members-only replies: a moderator cools a heated discussion.

Both are refused through the posting path with the writer's text kept, hold for every name
of an account alike, never for moderators, show on the page, and are in the public log.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from forum.clock import utcnow
from forum.extensions import db
from forum.models import Post, Thread
from tests.factories import make_board, make_story, make_thread, make_user

WORDS = "You are all still brainwashed, and I can prove it."


@pytest.fixture
def scene(ctx, make_browser):
    old = utcnow() - timedelta(days=90)
    ada = make_user("ada", "Ada", created_at=old)
    make_user("newbie", "Newbie")
    make_user("june", "June", role="moderator", created_at=old)
    thread = make_thread(ada, make_board("Talk"), title="Heated", body="A first post.")
    story = make_story(ada, title="My account", body="It happened.")
    ids = {"thread": thread.public_id, "story": story.slug,
           "story_thread": story.thread.public_id}
    people = {}
    for login in ("ada", "newbie", "june"):
        people[login] = make_browser()
        assert people[login].login(login).status_code == 302
    return {**ids, **people, "visitor": make_browser()}


def set_pace(june, thread, interval=0, members_only=False, reason="Cooling down"):
    data = {"interval": str(interval), "reason": reason}
    if members_only:
        data["members_only"] = "y"
    return june.submit("/mod/", data, action=f"/mod/threads/{thread}/pace")


def reply(browser, thread, body=WORDS, form=None, **extra):
    return browser.submit(form or f"/threads/{thread}", {"body": body, **extra},
                          action=f"/threads/{thread}/reply")


def age_every_post(app, minutes: int) -> None:
    with app.app_context():
        for post in db.session.query(Post).all():
            post.created_at -= timedelta(minutes=minutes)
        db.session.commit()


def test_slow_mode_lets_each_person_post_once_per_interval(app, scene):
    assert set_pace(scene["june"], scene["thread"], interval=300).status_code == 302
    # Ada started the thread a moment ago: that was her post in this interval.
    assert reply(scene["ada"], scene["thread"], "First words.").status_code == 429
    age_every_post(app, 6)
    assert reply(scene["ada"], scene["thread"], "First words.").status_code == 302
    # The same account under a pseudonym is the same person: still too soon.
    refused = reply(scene["ada"], scene["thread"], anonymous="y")
    body = refused.get_data(as_text=True)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 200
    assert "slow mode: one post every 5 minutes per person" in body
    assert WORDS in body  # the text is kept
    # Someone else may post; a moderator is never slowed.
    assert reply(scene["newbie"], scene["thread"], "Mine.").status_code == 302
    assert reply(scene["june"], scene["thread"], "Please keep it kind.").status_code == 302
    assert reply(scene["june"], scene["thread"], "And again.").status_code == 302
    # Once the interval has passed, Ada may post again.
    age_every_post(app, 6)
    assert reply(scene["ada"], scene["thread"]).status_code == 302


def test_members_only_refuses_new_accounts_with_the_text_kept(app, scene):
    assert set_pace(scene["june"], scene["story_thread"], members_only=True).status_code == 302
    story_page = f"/stories/{scene['story']}"
    refused = reply(scene["newbie"], scene["story_thread"], form=story_page)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 403 and "established members only" in body and WORDS in body
    # The story's page says so, to everyone.
    shown = scene["visitor"].get(story_page).get_data(as_text=True)
    assert "opened this discussion to established members only" in shown
    assert reply(scene["ada"], scene["story_thread"], "Thank you all.",
                 form=story_page).status_code == 302


def test_the_pace_shows_on_the_page_and_in_the_public_log(ctx, scene):
    set_pace(scene["june"], scene["thread"], interval=60, members_only=True,
             reason="A brigade arrived")
    for viewer in (scene["visitor"], scene["newbie"]):
        page = viewer.get(f"/threads/{scene['thread']}").get_data(as_text=True)
        assert "Slow mode: one post every minute per person." in page
        assert "established members only" in page
    log = scene["visitor"].get("/mod/log").get_data(as_text=True)
    assert "set slow mode (one post every minute per person) in" in log
    assert "opened to established members only" in log and "A brigade arrived" in log
    set_pace(scene["june"], scene["thread"], interval=0, members_only=False, reason="Calmer")
    log = scene["visitor"].get("/mod/log").get_data(as_text=True)
    assert "turned slow mode off in" in log and "opened to every member again" in log
    page = scene["visitor"].get(f"/threads/{scene['thread']}").get_data(as_text=True)
    assert "Slow mode" not in page
    thread = db.session.query(Thread).filter_by(public_id=scene["thread"]).one()
    assert (thread.slow_mode_seconds, thread.members_only) == (None, False)


def test_nothing_to_change_and_odd_intervals_are_refused(scene):
    unchanged = set_pace(scene["june"], scene["thread"])
    assert unchanged.status_code == 400 and "Nothing changed" in unchanged.get_data(as_text=True)
    assert set_pace(scene["june"], scene["thread"], interval=7).status_code == 400


def test_members_cannot_set_the_pace(scene):
    response = set_pace(scene["newbie"], scene["thread"], interval=60)
    assert response.status_code == 403
