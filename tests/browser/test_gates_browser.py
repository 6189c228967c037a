"""The bot gates are in nobody's way: a person typing at normal speed registers and writes a
story without tripping any of them, with the real minimum fill time on. Registration by
approval and by invitation, clicked through as a newcomer and a moderator would."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from forum import site_settings
from forum.clock import utcnow
from forum.demo.content import DEMO_PASSWORD
from forum.extensions import db
from forum.models import Story, User

PASSWORD = "a long walk home at last"
# A person's typing: some 80 ms a key, so each form takes its few seconds like a real one.
KEY_DELAY = 80


@pytest.fixture
def app_config(app_config):
    return {**app_config, "FORM_MIN_SECONDS": 3, "DUPLICATE_WINDOW": 10}


def _type(page, label, words, **kw):
    field = page.get_by_label(label, **kw)
    field.click()
    field.press_sequentially(words, delay=KEY_DELAY, timeout=60_000)


def _register(page, login, handle, **answers):
    page.goto("/auth/register")
    _type(page, "Login name", login)
    _type(page, "Public handle", handle)
    _type(page, "Password", PASSWORD, exact=True)
    _type(page, "Repeat the password", PASSWORD)
    for label, words in answers.items():
        _type(page, label, words)
    page.get_by_role("button", name="Create my account").click()


def test_a_person_typing_registers_and_writes_a_story_without_tripping_a_gate(
        page, app, shoot, offsite_requests):
    _register(page, "quiet_reader", "Quiet Reader")
    expect(page.get_by_text("Your account is ready.")).to_be_visible()
    assert "try again in a moment" not in page.content()
    page.goto("/stories/new")
    # The honeypot is in the page but out of sight and out of the tab order.
    honeypot = page.locator("input[name=website]")
    assert honeypot.count() == 1
    box = honeypot.bounding_box()
    assert box is None or box["x"] + box["width"] <= 0  # off-screen, left of the page
    assert honeypot.get_attribute("tabindex") == "-1"
    _type(page, "Title", "The morning I left", exact=True)
    _type(page, "Your story", "I packed one bag and walked to the bus stop before dawn. "
                              "Nobody saw me go. Read more at https://example.org/leaving")
    shoot(page, "story-form-with-gates")
    page.get_by_role("button", name=re.compile("^Publish")).click()
    expect(page.get_by_role("heading", level=1, name="The morning I left")).to_be_visible()
    with app.app_context():
        assert db.session.scalar(select(Story.title)) == "The morning I left"
    assert offsite_requests() == []


def test_a_form_sent_at_once_is_refused_and_goes_through_a_moment_later(page, app):
    page.goto("/auth/register")
    page.get_by_label("Login name").fill("hasty")
    page.get_by_label("Public handle").fill("Hasty")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("Please try again in a moment.")).to_be_visible()
    expect(page.get_by_label("Login name")).to_have_value("hasty")
    page.wait_for_timeout(3000)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("Your account is ready.")).to_be_visible()


def test_registration_by_approval_then_a_moderator_approves(
        page, seeded, new_context, log_in, shoot):
    with seeded.app_context():
        site_settings.store("registration_mode", "approval", utcnow())
        db.session.commit()
    _register(page, "morning_dove", "Morning Dove",
              **{"Why are you here?": "I left a group last month and want to read others."})
    expect(page.get_by_text("waiting for a moderator to approve it").first).to_be_visible()
    page.goto("/stories/new")
    shoot(page, "waiting-for-approval")
    moderator = new_context().new_page()
    log_in(moderator, "june_mod", DEMO_PASSWORD)
    moderator.goto("/mod/")
    moderator.get_by_role("link", name="Registrations waiting for approval").click()
    expect(moderator.get_by_text("I left a group last month")).to_be_visible()
    expect(moderator.get_by_text("morning_dove")).to_have_count(0)
    shoot(moderator, "registrations-queue")
    moderator.get_by_role("button", name="Approve Morning Dove", exact=True).click()
    expect(moderator.get_by_text("Morning Dove can write now.")).to_be_visible()
    with seeded.app_context():
        user = db.session.scalar(select(User).where(User.login_name == "morning_dove"))
        assert user.approval_state == "approved"


def test_a_moderator_makes_a_code_and_a_newcomer_joins_with_it(
        page, seeded, new_context, log_in, shoot):
    with seeded.app_context():
        site_settings.store("registration_mode", "invitation", utcnow())
        db.session.commit()
    moderator = new_context().new_page()
    log_in(moderator, "june_mod", DEMO_PASSWORD)
    moderator.goto("/mod/invitations")
    moderator.get_by_role("button", name="Make a new code").click()
    code = moderator.locator(".invitation-code").inner_text()
    shoot(moderator, "invitation-code")
    _register(page, "first_light", "First Light", **{"Invitation code": code})
    expect(page.get_by_text("Your account is ready.")).to_be_visible()
