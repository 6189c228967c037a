"""A person who lost their password gets back in with a recovery code, clicking as they would:
from the log-in page to the ways back in, then the recovery form. Their other device is
signed out, and the spent code is refused with the login name still typed in.
"""
from playwright.sync_api import expect

from forum.extensions import db
from forum.models import User
from tests.factories import PASSWORD

NEW_PASSWORD = "a kettle on the back burner"


def test_a_lost_password_is_replaced_with_a_recovery_code(app, page, new_context, log_in, shoot,
                                                          offsite_requests):
    page.goto("/auth/register")
    page.get_by_label("Login name").fill("fern_login")
    page.get_by_label("Public handle").fill("Fern Hollow")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    page.get_by_role("button", name="Show my recovery codes").click()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="I have written them down").click()

    # The member's phone stays logged in; then the password is lost.
    phone = new_context().new_page()
    log_in(phone, "fern_login")
    lost = new_context().new_page()
    lost.goto("/auth/login")
    lost.get_by_role("link", name="Forgot your password?").click()
    lost.get_by_role("link", name="Use a recovery code").click()
    expect(lost.get_by_role("heading", level=1,
                            name="Get back in with a recovery code")).to_be_visible()
    shoot(lost, "recover")
    lost.get_by_label("Login name").fill("fern_login")
    lost.get_by_label("Recovery code").fill(codes[2].upper())
    lost.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    lost.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    lost.get_by_role("button", name="Set the new password").click()
    expect(lost.get_by_text("Your password is changed and you are logged in.")).to_be_visible()
    expect(lost.get_by_text("You have 9 recovery codes left.")).to_be_visible()
    expect(lost.get_by_role("button", name="Log out", include_hidden=True)).to_have_count(1)

    # Every other session ended: the phone and the browser that registered.
    for other in (phone, page):
        other.reload()
        expect(other.get_by_role("button", name="Log out", include_hidden=True)).to_have_count(0)

    # The same code again is refused, plainly, with the login name kept and the code not.
    again = new_context().new_page()
    again.goto("/auth/recover")
    again.get_by_label("Login name").fill("fern_login")
    again.get_by_label("Recovery code").fill(codes[2])
    again.get_by_label("New password", exact=True).fill("yet another long passphrase")
    again.get_by_label("Repeat the new password").fill("yet another long passphrase")
    again.get_by_role("button", name="Set the new password").click()
    expect(again.locator(".error", has_text="or the code was already used")).to_be_visible()
    expect(again.get_by_label("Login name")).to_have_value("fern_login")
    expect(again.get_by_label("Recovery code")).to_have_value("")
    shoot(again, "recover-refused")
    with app.app_context():
        fern = db.session.scalar(User.by_login_name("fern_login"))
        assert fern.check_password(NEW_PASSWORD) and not fern.check_password(PASSWORD)
        db.session.remove()
    assert offsite_requests() == []
