"""A person who forgot their password gets back in by email, clicking as they would: from the
log-in page to the reset form, then the link in the mail (read from a real SMTP server), then
a new password. Screenshots of each page at 360 and 1280 pixels, light and dark."""
import re
from urllib.parse import urlsplit

from playwright.sync_api import expect

from forum.extensions import db
from forum.models import User
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "lanterns along the harbour wall"


def test_a_forgotten_password_is_reset_from_the_mail(app, page, inbox, shoot,
                                                     offsite_requests):
    with app.app_context():
        make_user("rosa_login", "Rosa Vale", email="rosa@example.org")
    page.goto("/auth/login")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", level=1, name="Forgot your password?")).to_be_visible()
    # The page offers each way back in; this member confirmed an email address.
    page.get_by_role("link", name="Send me a link").click()
    shoot(page, "reset-request")
    page.get_by_label("Login name or email address").fill("rosa@example.org")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", level=1, name="Check your email")).to_be_visible()
    shoot(page, "reset-sent")

    inbox.settle()
    [(rcpt, content)] = inbox.messages
    assert rcpt == ["rosa@example.org"]
    assert "rosa_login" not in content and "Rosa Vale" not in content
    link = re.search(r"http://localhost/auth/reset/\S+", content).group(0)
    page.goto(urlsplit(link).path)  # the mail's link, on the site under test
    expect(page.get_by_role("heading", level=1, name="Choose a new password")).to_be_visible()
    shoot(page, "reset-new-password")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set my new password").click()
    expect(page.get_by_text("Your new password is set and you are logged in.")).to_be_visible()
    expect(page.get_by_role("button", name="Log out", include_hidden=True)).to_have_count(1)

    # The same link, opened again, says plainly that it is spent.
    page.goto(urlsplit(link).path)
    expect(page.get_by_role("heading", level=1, name="This link does not work")).to_be_visible()
    expect(page.get_by_text("This link has been used already.")).to_be_visible()
    shoot(page, "reset-used-link")
    with app.app_context():
        rosa = db.session.scalar(User.by_login_name("rosa_login"))
        assert rosa.check_password(NEW_PASSWORD) and not rosa.check_password(PASSWORD)
    assert offsite_requests() == []


def test_an_address_is_added_in_settings_and_confirmed_from_the_mail(app, page, inbox, log_in,
                                                                     shoot):
    with app.app_context():
        make_user("rosa_login", "Rosa Vale")
    log_in(page, "rosa_login")
    page.goto("/settings")
    page.get_by_label("Email address (optional, never shown)").fill("rosa@example.org")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Save email address").click()
    expect(page.locator("#email-pending")).to_contain_text(
        "We sent a link to rosa@example.org; until you open it, nothing else is sent there.")
    page.locator("#email-heading").scroll_into_view_if_needed()
    shoot(page, "settings-email-waiting")

    [(rcpt, content)] = inbox.messages
    assert rcpt == ["rosa@example.org"] and "Rosa Vale" not in content
    page.goto(urlsplit(re.search(r"http://localhost/auth/email/\S+", content).group(0)).path)
    expect(page.get_by_role("heading", level=1, name="Confirm your email address")).to_be_visible()
    shoot(page, "confirm-email")
    page.get_by_role("button", name="Confirm this address").click()
    expect(page.get_by_text("Your email address is confirmed.")).to_be_visible()
    expect(page.get_by_text("Your confirmed address: rosa@example.org")).to_be_visible()
    expect(page.locator("#email-pending")).to_have_count(0)
