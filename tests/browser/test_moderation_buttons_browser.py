"""A moderator's destructive buttons ask first, with no JavaScript needed: pressing "Hide post"
without ticking "Yes, I am sure" sends nothing; dismissing needs no tick."""
from playwright.sync_api import expect

from forum.clock import utcnow
from forum.posting import reports
from tests.factories import PASSWORD, make_board, make_reply, make_thread, make_user


def test_hide_asks_first_and_dismiss_does_not(page, app, log_in, shoot, offsite_requests):
    with app.app_context():
        alice = make_user("alice", "Alice Marsh")
        bob = make_user("bob", "Bob Reed")
        make_user("june", "June Watch", role="moderator")
        thread = make_thread(alice, make_board("Talk"), title="Leaflets", body="Seen these?")
        first = make_reply(alice, thread, body="Here is one.")
        second = make_reply(alice, thread, body="And another one.")
        for post in (first, second):
            reports.report(bob, post=post, reason="spam", details="", now=utcnow())
        first_id, second_id = first.public_id, second.public_id

    log_in(page, "june", PASSWORD)
    page.goto(f"/mod/posts/{first_id}")
    hide = page.get_by_role("button", name="Hide post")
    expect(hide).to_have_class("danger")
    expect(page.get_by_role("button", name="Dismiss reports")).to_have_class("secondary")
    shoot(page, "moderation-post")
    page.get_by_label("Reason", exact=True).fill("Spam, twice.")
    hide.click()
    # The browser held the form back: still here, nothing hidden, the reason still typed.
    expect(page).to_have_url(f"/mod/posts/{first_id}")
    expect(page.get_by_text("The post is hidden.")).to_have_count(0)
    expect(page.get_by_label("Reason", exact=True)).to_have_value("Spam, twice.")
    page.get_by_label("Yes, I am sure").check()
    page.get_by_role("button", name="Hide post").click()
    expect(page.get_by_text("The post is hidden.")).to_be_visible()

    # Dismissing needs no tick.
    page.goto(f"/mod/posts/{second_id}")
    page.get_by_role("button", name="Dismiss reports").click()
    expect(page.get_by_text("The reports are dismissed.")).to_be_visible()
    page.goto("/mod/")
    shoot(page, "moderation-queue-empty")
    assert offsite_requests() == []
