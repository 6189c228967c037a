"""axe-core (from npm, see package.json) finds no serious or critical problem on the pages
people read and the forms they fill in, in light and dark mode."""
import time

import pyotp
from playwright.sync_api import expect

from forum.auth.email_verification import ask, new_token
from forum.auth.password_reset import fingerprint
from forum.clock import utcnow
from forum.demo.content import DEMO_PASSWORD
from forum.extensions import db
from forum.models import PasswordReset, User

READER_PAGES = ["/", "/stories/growing-up-at-stillwater", "/boards/just-left",
                "/groups/the-stillwater-community", "/auth/register", "/auth/login",
                "/support", "/safety", "/transparency", "/auth/forgot", "/auth/recover",
                "/auth/reset", "/auth/reset/sent", "/auth/reset/not-a-link-we-sent",
                "/contact", "/contact/read"]
THREAD = "Day 12. Is it normal to miss it?"

# In dark mode only the colours change, so only the colour rules run again.
COLOUR_RULES = {"runOnly": {"type": "rule", "values": ["color-contrast", "link-in-text-block"]}}


def serious_problems(page, axe_source, options=None):
    # A click that sends a form returns once the next page starts to load; axe must not run
    # on a document that is still arriving (CI once saw it fail there on a null document).
    page.wait_for_load_state("load")
    # Injected by evaluate, not a <script> tag, so the page's CSP stays as it is.
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(axe_source)
    result = page.evaluate("async (options) => await axe.run(document, options || {})", options)
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3], v["help"])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def follow(page, target):
    """Click what leads to another page (a link or a form's button) and wait for that page."""
    with page.expect_navigation(wait_until="load"):
        target.click()


def _email_links(app):
    """A working password-reset link and an email confirmation link, for a demo member."""
    with app.app_context():
        member = db.session.scalar(User.by_login_name("maren_after"))
        member.email = "maren@example.org"
        token, hashed = new_token()
        db.session.add(PasswordReset(user_id=member.id, token_hash=hashed, email=member.email,
                                     password_fingerprint=fingerprint(member),
                                     created_at=utcnow()))
        confirm = ask(member, "maren.new@example.org", utcnow())
        db.session.commit()
    return [f"/auth/reset/{token}", f"/auth/email/{confirm}"]


def test_no_serious_accessibility_problems(page, seeded, axe_source, log_in, offsite_requests):
    found = {}

    def check(name):
        page.emulate_media(color_scheme="light")
        found[name] = serious_problems(page, axe_source)
        page.emulate_media(color_scheme="dark")
        found[f"{name} (dark)"] = serious_problems(page, axe_source, COLOUR_RULES)

    for path in READER_PAGES + _email_links(seeded):
        page.goto(path)
        check(path)
    follow(page, page.get_by_role("link", name="Boards").first)
    follow(page, page.get_by_role("link", name="Just left"))
    follow(page, page.get_by_role("link", name=THREAD))
    thread = page.url
    check("a thread")
    page.goto("/stories/growing-up-at-stillwater")
    page.locator("details.warnings > summary").click()
    check("story, opened")
    log_in(page, "june_mod", DEMO_PASSWORD)  # a moderator is a member too: every form and the queue
    for path in ("/stories/new", f"{thread}/reply", "/mod/", "/settings",
                 "/notifications/settings", "/settings/ignored", "/contact", "/contact/mine",
                 "/appeal", "/mod/contact", "/mod/stories/growing-up-at-stillwater",
                 "/mod/groups/", "/mod/review", "/mod/registrations", "/mod/invitations",
                 "/stories/leaving-with-two-children-and-one-suitcase/barred"):
        response = page.goto(path)
        assert response.ok, path
        check(path)
    page.goto("/mod/contact")
    follow(page, page.get_by_role("link", name="A visitor").first)
    check("a conversation, for the moderators")
    page.goto("/mod/")
    follow(page, page.get_by_role("link", name="Review this post").first)
    check("a post held by the outing fast path")
    page.goto(thread)
    page.locator(".post-actions").get_by_role("link", name="Reply").first.click()
    expect(page.locator(".reply-in-place form")).to_be_visible()  # opened under the post
    check("reply to a post")
    page.goto(thread)
    follow(page, page.locator(".post-actions").get_by_role("link", name="Ignore").first)
    check("ignore a name: the question first")
    # Recovery codes and two-step login: the settings pages, the codes and the set-up.
    for path in ("/settings", "/auth/recovery-codes", "/auth/two-step/settings"):
        response = page.goto(path)
        assert response.ok, path
        check(path)
    page.get_by_label("Current password").fill(DEMO_PASSWORD)
    follow(page, page.get_by_role("button", name="Set up two-step login"))
    check("two-step set-up (QR code)")
    secret = page.locator(".two-step-secret code").inner_text().replace(" ", "")
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    follow(page, page.get_by_role("button", name="Switch two-step login on"))
    check("two-step settings, on")
    page.goto("/auth/recovery-codes")
    page.get_by_label("Current password").fill(DEMO_PASSWORD)
    follow(page, page.get_by_role("button", name="Make new recovery codes"))
    check("new recovery codes")
    page.locator(".account > summary").click()  # Log out is in the Account menu
    follow(page, page.get_by_role("button", name="Log out"))
    page.goto("/auth/login")
    page.get_by_label("Login name").fill("june_mod")
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    follow(page, page.get_by_role("button", name="Log in"))
    check("two-step code page")
    page.get_by_label("Code").fill(pyotp.TOTP(secret).at(time.time() + 30))
    follow(page, page.get_by_role("button", name="Log in"))
    expect(page.get_by_role("button", name="Log out", include_hidden=True)).to_have_count(1)
    assert {name: problems for name, problems in found.items() if problems} == {}
    # And axe does see a problem when there is one: an image without a text alternative.
    page.evaluate("document.querySelector('main').append(document.createElement('img'))")
    assert [p[0] for p in serious_problems(page, axe_source)] == ["image-alt"]
    assert offsite_requests() == []


def test_the_admin_pages_have_no_serious_problems(page, seeded, axe_source, log_in):
    log_in(page, "afterward_admin", DEMO_PASSWORD)
    found = {}
    for path in ("/admin/unmask", "/admin/unmaskings", "/admin/members", "/admin/boards",
                 "/mod/boards/still-inside/circle", "/boards/still-inside", "/admin/settings"):
        assert page.goto(path).ok, path
        page.emulate_media(color_scheme="light")
        found[path] = serious_problems(page, axe_source)
        page.emulate_media(color_scheme="dark")
        found[f"{path} (dark)"] = serious_problems(page, axe_source, COLOUR_RULES)
    assert {name: problems for name, problems in found.items() if problems} == {}
