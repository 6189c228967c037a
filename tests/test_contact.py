"""A private line to the moderators: visitors with a code, members under a name of theirs.

Answers come signed "the moderators"; moderators see the chosen name, never the account;
every refusal keeps the text; nobody but the writer and the moderators reads a conversation.
"""
from __future__ import annotations

import re

import pytest

from tests.conftest import Browser
from tests.factories import make_board, make_reply, make_thread, make_user

CODE_RE = re.compile(r"<code>([0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4})</code>")
HELP = "Someone from my old group keeps finding my posts. Can you help me?"


@pytest.fixture
def scene(app, make_browser):
    with app.app_context():
        mia = make_user("mia_login", "Mia Public")
        make_user("june_login", "June Watch", role="moderator")
        make_user("other_login", "Other One")
        thread = make_thread(mia, make_board("Talk"), title="Quiet thread", body="Hello.")
        pseudonym = make_reply(mia, thread, body="Anonymous words.", anonymous=True).handle
        ids = {"pseudonym": pseudonym.name, "pseudonym_id": pseudonym.id}
    people = {}
    for login in ("mia_login", "june_login", "other_login"):
        people[login] = make_browser()
        assert people[login].login(login).status_code == 302
    return {**ids, "mia": people["mia_login"], "june": people["june_login"],
            "other": people["other_login"], "visitor": make_browser()}


def read(browser: Browser, code: str, body: str | None = None):
    data = {"code": code, **({"body": body} if body is not None else {})}
    return browser.submit("/contact/read", data)


def test_a_visitor_writes_and_reads_the_answer_with_the_code_alone(app, scene, make_browser):
    visitor, june = scene["visitor"], scene["june"]
    sent = visitor.submit("/contact", {"body": HELP})
    assert sent.status_code == 200
    code = CODE_RE.search(sent.get_data(as_text=True)).group(1)
    assert code not in visitor.get("/contact").get_data(as_text=True)
    inbox = june.get("/mod/contact").get_data(as_text=True)
    assert "A visitor" in inbox and "waiting for an answer" in inbox
    assert "1 waiting for an answer" in june.get("/mod/").get_data(as_text=True)
    conversation = re.search(r'href="(/mod/contact/[a-z][a-z0-9]{11})"', inbox).group(1)
    assert HELP in june.get(conversation).get_data(as_text=True)
    assert june.submit(conversation, {"body": "We have hidden those posts."}).status_code == 302

    # Any browser, no cookie from before: the code alone opens it.
    stranger = make_browser()
    page = read(stranger, code.upper().replace("-", " "))
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert HELP in body and "We have hidden those posts." in body and "The moderators" in body
    assert "June" not in body
    # And write back, with the code in the form.
    again = read(stranger, code, body="Thank you, that helps.")
    assert again.status_code == 200 and "Thank you, that helps." in again.get_data(as_text=True)
    assert "Thank you, that helps." in june.get(conversation).get_data(as_text=True)


def test_a_wrong_code_opens_nothing(scene):
    page = read(scene["visitor"], "aaaa-bbbb-cccc-dddd")
    assert page.status_code == 404 and "does not open any conversation" in page.get_data(
        as_text=True)
    assert "aaaa-bbbb-cccc-dddd" in page.get_data(as_text=True)  # what was typed is kept


def test_a_member_signs_with_a_pseudonym_and_moderators_see_only_that(app, scene):
    mia, june = scene["mia"], scene["june"]
    form = mia.get("/contact").get_data(as_text=True)
    assert "Mia Public (your public handle)" in form and scene["pseudonym"] in form
    sent = mia.submit("/contact", {"body": HELP, "name": str(scene["pseudonym_id"])})
    assert sent.status_code == 302
    mine = mia.get(sent.headers["Location"]).get_data(as_text=True)
    assert HELP in mine and "Waiting for the moderators" in mine
    inbox = june.get("/mod/contact").get_data(as_text=True)
    conversation = re.search(r'href="(/mod/contact/[a-z][a-z0-9]{11})"', inbox).group(1)
    seen = june.get(conversation).get_data(as_text=True)
    assert scene["pseudonym"] in seen and HELP in seen
    for secret in ("Mia Public", "mia_login"):
        assert secret not in inbox and secret not in seen
    june.submit(conversation, {"body": "We are looking into it."})
    listed = mia.get("/contact/mine").get_data(as_text=True)
    assert "answered" in listed


def test_refusals_keep_the_text(app, scene):
    mia = scene["mia"]
    long = "word " * 1200
    for data, words in (({"body": long, "name": str(scene["pseudonym_id"])}, "the limit is"),
                        ({"body": HELP, "name": "999999"}, "choose one of your names"),
                        ({"body": "   ", "name": str(scene["pseudonym_id"])}, "Please write")):
        refused = mia.submit("/contact", data)
        body = refused.get_data(as_text=True)
        assert refused.status_code == 400 and words in body
        if data["body"].strip():
            assert data["body"].strip()[:200] in body


def test_a_closed_conversation_refuses_more_with_the_text_kept(app, scene):
    mia, june = scene["mia"], scene["june"]
    sent = mia.submit("/contact", {"body": HELP, "name": str(scene["pseudonym_id"])})
    mine = sent.headers["Location"]
    conversation = re.search(r'href="(/mod/contact/[a-z][a-z0-9]{11})"',
                             june.get("/mod/contact").get_data(as_text=True)).group(1)
    assert june.submit(conversation, {}, action=f"{conversation}/close").status_code == 302
    refused = mia.submit(mine, {"body": "One more thing."})
    assert refused.status_code == 400 and "One more thing." in refused.get_data(as_text=True)


def test_nobody_else_reads_a_conversation(app, scene):
    sent = scene["mia"].submit("/contact", {"body": HELP, "name": str(scene["pseudonym_id"])})
    mine = sent.headers["Location"]
    assert scene["other"].get(mine).status_code == 404
    assert scene["other"].get("/mod/contact").status_code == 403
    assert scene["visitor"].get(mine).status_code == 302  # to log in
    conversation_id = mine.rsplit("/", 1)[1]
    assert scene["other"].get(f"/mod/contact/{conversation_id}").status_code == 403


@pytest.fixture
def real_contact_limits(app_config):
    app_config.update({"CONTACT_CODE_LIMIT": "3 per hour", "ADDRESS_CONTACT_LIMIT": "2 per day"})


def test_codes_tried_and_visitors_messages_are_limited_per_address(real_contact_limits, scene):
    visitor = scene["visitor"]
    for _ in range(3):
        assert read(visitor, "aaaa-bbbb-cccc-dddd").status_code == 404
    limited = read(visitor, "aaaa-bbbb-cccc-dddd")
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    assert "Too many codes" in limited.get_data(as_text=True)
    for _ in range(2):
        assert visitor.submit("/contact", {"body": HELP}).status_code == 200
    flood = visitor.submit("/contact", {"body": HELP})
    assert flood.status_code == 429 and HELP in flood.get_data(as_text=True)


def test_the_members_conversations_are_in_their_export_answered_by_the_moderators(app, scene):
    import json
    mia, june = scene["mia"], scene["june"]
    mia.submit("/contact", {"body": HELP, "name": str(scene["pseudonym_id"])})
    conversation = re.search(r'href="(/mod/contact/[a-z][a-z0-9]{11})"',
                             june.get("/mod/contact").get_data(as_text=True)).group(1)
    june.submit(conversation, {"body": "We are looking into it."})
    exported = mia.submit("/settings", {"password": "correct horse battery"},
                          action="/settings/export")
    data = json.loads(exported.get_data(as_text=True))
    [mine] = data["messages_to_the_moderators"]
    assert mine["signed_as"] == scene["pseudonym"]
    assert [(m["from"], m["body"]) for m in mine["messages"]] == [
        ("you", HELP), ("the moderators", "We are looking into it.")]
    assert "June" not in exported.get_data(as_text=True)
    other = scene["other"].submit("/settings", {"password": "correct horse battery"},
                                  action="/settings/export")
    assert json.loads(other.get_data(as_text=True))["messages_to_the_moderators"] == []


def test_deleting_the_account_takes_its_conversations(app, scene):
    from sqlalchemy import func, select
    from forum.extensions import db
    from forum.models import ContactMessage, Conversation
    scene["mia"].submit("/contact", {"body": HELP, "name": str(scene["pseudonym_id"])})
    scene["visitor"].submit("/contact", {"body": "A visitor's words."})
    deleted = scene["mia"].submit("/settings/delete", {
        "current_password": "correct horse battery", "writing": "keep"})
    assert deleted.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(Conversation.id))) == 1  # the visitor's
        bodies = db.session.scalars(select(ContactMessage.body)).all()
        assert bodies == ["A visitor's words."]
