"""Appeals: once per suspension, decided by a moderator other than the one who suspended,
logged publicly without naming an anonymous writer, the member's text kept on refusal."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Appeal, User
from tests.factories import make_board, make_reply, make_thread, make_user

WHY = "I quoted the group leaflet; I did not name anyone."


@pytest.fixture
def scene(ctx, make_browser):
    """June suspends the author of Sam's anonymous reply; Kai is another moderator."""
    ada = make_user("ada", "Ada")
    sam = make_user("sam", "Sam Public")
    make_user("june", "June", role="moderator")
    make_user("kai", "Kai", role="moderator")
    thread = make_thread(ada, make_board("Talk"), title="Leaflets", body="Seen these?")
    reply = make_reply(sam, thread, body="Here is one.", anonymous=True)
    ids = {"post": reply.public_id, "pseudonym": reply.handle.name,
           "thread": thread.public_id}
    people = {}
    for login in ("sam", "june", "kai"):
        people[login] = make_browser()
        assert people[login].login(login).status_code == 302
    url = f"/mod/posts/{ids['post']}"
    assert people["june"].submit(url, {"reason": "Outing", "days": "7"},
                                 action=f"{url}/suspend").status_code == 302
    return {**ids, **people}


def appeal(browser, body=WHY):
    return browser.submit("/appeal", {"body": body})


def decide(browser, appeal_id, decision, answer="Looked again."):
    url = f"/mod/appeals/{appeal_id}"
    return browser.submit(url, {"reason": answer, "decision": decision})


def appeal_id(app) -> str:
    with app.app_context():
        return db.session.scalar(select(Appeal.public_id))


def test_a_suspended_member_appeals_once_and_another_moderator_lifts_it(app, ctx, scene):
    sam = scene["sam"]
    assert "Appeal this suspension" in sam.get("/").get_data(as_text=True)
    assert appeal(sam).status_code == 302
    again = appeal(sam, "And another thing.")
    assert again.status_code == 400 and "And another thing." in again.get_data(as_text=True)
    queue = scene["kai"].get("/mod/").get_data(as_text=True)
    assert f"An appeal by {scene['pseudonym']}" in queue and "Sam Public" not in queue
    page = scene["kai"].get(f"/mod/appeals/{appeal_id(app)}").get_data(as_text=True)
    assert WHY in page and "Sam Public" not in page

    # The moderator who suspended may not decide; the answer typed is kept.
    refused = decide(scene["june"], appeal_id(app), "uphold", "I stand by it.")
    assert refused.status_code == 403
    assert "another moderator" in refused.get_data(as_text=True)
    assert "I stand by it." in refused.get_data(as_text=True)

    assert decide(scene["kai"], appeal_id(app), "lift", "The leaflet is public.").status_code == 302
    assert db.session.scalar(User.by_login_name("sam")).suspended_until is None
    outcome = sam.get("/appeal").get_data(as_text=True)
    assert "The suspension is lifted." in outcome and "The leaflet is public." in outcome
    assert "Kai" not in outcome  # the answer is the moderators', not a person's
    log = " ".join(re.sub(r"<[^>]+>", " ", sam.get("/mod/log").get_data(as_text=True)).split())
    assert "Kai lifted, on appeal, the suspension of a writer in “Leaflets”" in log
    assert scene["pseudonym"] not in log and "Sam Public" not in log
    assert decide(scene["kai"], appeal_id(app), "uphold").status_code == 409  # decided once
    # The appeal and its answer are in Sam's export; who decided is not.
    exported = sam.submit("/settings", {"password": "correct horse battery"},
                          action="/settings/export")
    [filed] = json.loads(exported.get_data(as_text=True))["appeals"]
    assert (filed["body"], filed["outcome"], filed["answer"]) == (
        WHY, "lifted", "The leaflet is public.")
    assert "Kai" not in exported.get_data(as_text=True)


def test_an_upheld_appeal_leaves_the_suspension(app, ctx, scene):
    appeal(scene["sam"])
    empty = decide(scene["kai"], appeal_id(app), "uphold", "")
    assert empty.status_code == 400
    assert decide(scene["kai"], appeal_id(app), "uphold", "It named someone.").status_code == 302
    assert db.session.scalar(User.by_login_name("sam")).suspended_until is not None
    assert "The suspension is upheld." in scene["sam"].get("/appeal").get_data(as_text=True)
    assert "upheld, on appeal" in scene["sam"].get("/mod/log").get_data(as_text=True)


def test_nothing_to_appeal_without_a_suspension(ctx, scene, make_browser):
    make_user("free", "Free Member")
    free = make_browser()
    free.login("free")
    refused = appeal(free)
    assert refused.status_code == 400 and "not suspended" in refused.get_data(as_text=True)
    assert WHY in refused.get_data(as_text=True)  # the text is kept


def test_members_cannot_open_or_decide_appeals(app, scene, make_browser):
    appeal(scene["sam"])
    assert scene["sam"].get(f"/mod/appeals/{appeal_id(app)}").status_code == 403


@pytest.mark.parametrize("reason", ["Outing.", "Outing"])
def test_the_appeal_page_ends_the_reason_with_one_full_stop(ctx, make_browser, reason):
    make_user("ada", "Ada")
    make_user("june", "June", role="moderator")
    sam = make_user("sam", "Sam Public")
    thread = make_thread(make_user("ada2", "Ada Two"), make_board("Talk"), title="Leaflets")
    post = make_reply(sam, thread, body="Here is one.")
    june, member = make_browser(), make_browser()
    june.login("june")
    url = f"/mod/posts/{post.public_id}"
    assert june.submit(url, {"reason": reason, "days": "7"},
                       action=f"{url}/suspend").status_code == 302
    member.login("sam")
    page = member.get("/appeal").get_data(as_text=True)
    assert "for this reason: Outing.</p>" in page


def test_deleting_the_account_takes_the_appeal_with_its_words(app, ctx, scene):
    assert appeal(scene["sam"]).status_code == 302
    deleted = scene["sam"].submit("/settings/delete", {
        "current_password": "correct horse battery", "writing": "keep"})
    assert deleted.status_code == 302
    assert db.session.scalar(User.by_login_name("sam")) is None
    assert db.session.scalars(select(Appeal.body)).all() == []
