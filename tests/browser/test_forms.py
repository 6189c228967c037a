"""A form refused by its CSRF check, in a real browser: text back to this site's pages only."""
from playwright.sync_api import expect

from forum.extensions import db
from forum.models import Story
from tests.factories import make_user

BODY = "Words I wrote on this site, and want to keep."
FORGED = "Words another website wants me to say."


def test_our_own_stale_form_gets_its_text_back_and_sends_it(app, page, log_in):
    with app.app_context():
        make_user("stale_writer", "Stale Writer")
    log_in(page, "stale_writer")
    page.goto("/stories/new")
    page.get_by_label("Title").fill("Sent with an old token")
    page.get_by_label("Your story").fill(BODY)
    # The token goes stale as it would after a long pause: Chromium marks the form as ours.
    publish = page.get_by_role("button", name="Publish")
    publish.evaluate("button => { button.form.elements.csrf_token.value = 'stale'; }")
    publish.click()
    expect(page.get_by_role("heading", level=1, name="Your text is safe")).to_be_visible()
    expect(page.locator("form.resubmit [name=body]")).to_have_value(BODY)
    page.get_by_role("button", name="Send again").click()
    expect(page.get_by_role("heading", level=1, name="Sent with an old token")).to_be_visible()


def test_another_sites_form_gets_no_text_back(app, page, log_in, base_url):
    with app.app_context():
        make_user("target", "Target")
    log_in(page, "target")
    page.route("http://elsewhere.test/**", lambda route: route.fulfill(
        content_type="text/html",
        body=f'<form method="post" action="{base_url}/stories/new">'
             f'<input name="title" value="Forged"><input name="body" value="{FORGED}">'
             f'<button>Go</button></form>'))
    page.goto("http://elsewhere.test/")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("nothing was saved")).to_be_visible()
    assert FORGED not in page.content()
    expect(page.locator("form.resubmit")).to_have_count(0)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Story.id))) == 0
