"""Reading a conversation, clicked through (issue 19): notifications open from anywhere on
their card; a post has a permalink, Copy link and Quote; Reply opens its form in place."""
import re

from playwright.sync_api import expect

from tests.factories import PASSWORD, make_board, make_reply, make_thread, make_user


def scene(app):
    with app.app_context():
        alice = make_user("alice", "Alice Marsh")
        bob = make_user("bob", "Bob Reed")
        thread = make_thread(alice, make_board("Talk"), title="Leaflets", body="Seen these?")
        for n in range(1, 4):
            make_reply(bob, thread, body=f"Answer number {n}, about the *leaflets* we got.")
        make_reply(bob, make_thread(alice, thread.board, title="Sleep", body="How?"),
                   body="Badly, to be honest.")
        return thread.public_id


def test_clicking_a_notification_cards_text_opens_it(page, app, log_in, shoot, offsite_requests):
    scene(app)
    log_in(page, "alice", PASSWORD)
    page.goto("/notifications")
    cards = page.locator("li.notification")
    expect(cards).to_have_count(2)
    expect(cards.nth(1)).to_contain_text("3 new")
    shoot(page, "notifications")
    # A person clicks the excerpt's words, not the small button (Playwright's own click
    # would refuse: the card's one button is what lies under those words, as intended).
    box = cards.nth(0).get_by_text("Badly, to be honest.").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page).to_have_url(re.compile(r"/threads/\w+#p\w+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sleep")
    page.goto("/notifications")
    expect(page.locator("li.notification.unread")).to_have_count(1)
    assert offsite_requests() == []
