"""Autosave in a real browser: text survives closing the tab and an expired login."""
from playwright.sync_api import expect

from forum.extensions import db
from forum.models import Story, User
from tests.factories import make_user

LONG = "\n\n".join(
    f"Paragraph {i}. I remember the hall, the chairs in rows, the way nobody looked up."
    for i in range(250)
)  # about 20,000 characters


def _writer(app, login):
    app.config.update(AUTOSAVE_SECONDS=1, DRAFT_LIMIT="1000 per hour")
    with app.app_context():
        make_user(login, handle=f"{login.capitalize()} Writes")


def test_autosave_keeps_a_long_story_after_the_tab_closes(app, context, log_in, offsite_requests):
    _writer(app, "longform")
    page = context.new_page()
    log_in(page, "longform")
    page.goto("/stories/new")
    page.get_by_label("Title").fill("The long way out")
    page.get_by_label("Your story").fill(LONG)
    expect(page.locator(".autosave-status")).to_contain_text("Saved at", timeout=10000)
    page.close()

    page = context.new_page()
    page.goto("/stories/drafts")
    page.get_by_role("link", name="The long way out").click()
    expect(page.get_by_label("Your story")).to_have_value(LONG)
    with app.app_context():
        story = db.session.scalar(db.select(Story))
        assert story.state == "draft" and story.body == LONG
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("heading", name="The long way out", exact=True)).to_be_visible()
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Story.id))) == 1


def test_text_survives_an_expired_login(app, context, log_in):
    _writer(app, "interrupted")
    page = context.new_page()
    log_in(page, "interrupted")
    page.goto("/stories/new")
    page.get_by_label("Title").fill("Written through a logout")
    with app.app_context():  # the session ends while they write (every cookie of the account)
        user = db.session.scalar(User.by_login_name("interrupted"))
        user.session_version += 1
        db.session.commit()
    page.get_by_label("Your story").fill("Words typed after the session ended.")
    status = page.locator(".autosave-status")
    expect(status).to_contain_text("You are logged out", timeout=10000)
    stored = page.evaluate("() => window.localStorage.getItem('afterward-unsent:new')")
    assert "Words typed after the session ended." in stored

    log_in(page, "interrupted")
    page.goto("/stories/new")
    expect(page.get_by_label("Your story")).to_have_value("Words typed after the session ended.")
    expect(page.get_by_label("Title")).to_have_value("Written through a logout")
    expect(status).to_contain_text("Saved at", timeout=10000)  # and now it is on the server
    assert page.evaluate("() => window.localStorage.getItem('afterward-unsent:new')") is None
    with app.app_context():
        assert db.session.scalar(db.select(Story.body)) == "Words typed after the session ended."
