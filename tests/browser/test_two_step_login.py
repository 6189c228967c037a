"""A new member writes down their recovery codes, then sets up two-step login and uses it."""
import re
import time

import pyotp
from playwright.sync_api import expect

from tests.factories import PASSWORD

CODE = re.compile(r"^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$")


def test_codes_then_two_step_login(page, shoot, offsite_requests):
    page.goto("/")
    page.get_by_role("link", name="Join").click()
    page.get_by_label("Login name").fill("quiet_harbour")
    page.get_by_label("Public handle").fill("Harbour")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()

    expect(page.get_by_role("heading", level=1, name="One more step: your recovery codes")).to_be_visible()
    page.get_by_role("button", name="Show my recovery codes").click()
    expect(page.get_by_role("heading", level=1, name="Write down your recovery codes")).to_be_visible()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and all(CODE.match(code) for code in codes), codes
    shoot(page, "recovery-codes")
    page.get_by_role("link", name="I have written them down").click()
    expect(page.get_by_role("button", name="Log out", include_hidden=True)).to_have_count(1)

    # Settings -> two-step login: the QR code and secret once, on after one right code.
    page.locator(".account > summary").click()  # Settings is in the Account menu
    page.get_by_role("link", name="Settings").first.click()
    expect(page.get_by_text("Recovery codes: 10 unused.")).to_be_visible()
    page.get_by_role("link", name="Two-step login settings").click()
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_role("button", name="Set up two-step login").click()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    secret = page.locator(".two-step-secret code").inner_text().replace(" ", "")
    shoot(page, "two-step-setup")
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Switch two-step login on").click()
    expect(page.get_by_text("Two-step login is on.").first).to_be_visible()
    assert secret not in page.content()
    expect(page.locator("main svg")).to_have_count(0)  # the QR code is gone (the header has an icon)

    # Log out and in again: the password, then a code from the app.
    page.locator(".account > summary").click()  # Log out is in the Account menu
    page.get_by_role("button", name="Log out").click()
    page.goto("/auth/login")
    page.get_by_label("Login name").fill("quiet_harbour")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1, name="Two-step login")).to_be_visible()
    expect(page.get_by_role("button", name="Log out", include_hidden=True)).to_have_count(0)
    shoot(page, "two-step-login")
    page.get_by_label("Code").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out", include_hidden=True)).to_have_count(1)
    assert offsite_requests() == []
