"""New-member review, clicked through: a new member's reply waits, seen by them alone, until a
moderator approves it from the review queue; then everyone reads it in its place."""
from playwright.sync_api import expect

from forum.demo.content import DEMO_PASSWORD

THREAD = "Finding a therapist who understands high-control groups"
WAITING_WORDS = "before my first appointment next week"


def test_a_moderator_approves_a_new_members_reply_from_the_queue(
        page, seeded, new_context, log_in, shoot, offsite_requests):
    # wren_new joined today: the demo's reply of theirs waits, marked, in its place.
    log_in(page, "wren_new", DEMO_PASSWORD)
    page.goto("/boards/ask-anything")
    page.get_by_role("link", name=THREAD).click()
    mine = page.locator("li.post", has_text=WAITING_WORDS)
    expect(mine).to_contain_text("Waiting for a moderator")
    shoot(page, "review-waiting-writer")

    visitor = new_context().new_page()
    visitor.goto(page.url)
    expect(visitor.get_by_role("heading", level=1)).to_contain_text("Finding a therapist")
    expect(visitor.get_by_text(WAITING_WORDS)).to_have_count(0)

    moderator = new_context().new_page()
    log_in(moderator, "june_mod", DEMO_PASSWORD)
    moderator.goto("/mod/")
    moderator.get_by_role("link", name="New members' writing to review").click()
    expect(moderator.get_by_role("heading", level=1, name="New members' writing")).to_be_visible()
    card = moderator.locator("li.card", has_text=WAITING_WORDS)
    expect(card).to_contain_text(THREAD)
    expect(card).not_to_contain_text("wren_new")  # an anonymous reply: its pseudonym only
    shoot(moderator, "review-queue")
    card.get_by_role("button", name="Approve this post", exact=True).click()
    expect(moderator.get_by_text("The post is approved and published.")).to_be_visible()
    expect(moderator.get_by_text("Nothing is waiting.")).to_be_visible()

    visitor.reload()
    approved = visitor.locator("li.post", has_text=WAITING_WORDS)
    expect(approved).to_be_visible()
    expect(approved).not_to_contain_text("Waiting for a moderator")
    # In its place: right after the post it answers and the replies that came before it.
    order = visitor.locator("li.post").all_inner_texts()
    answered = next(i for i, t in enumerate(order) if "Have you worked with people" in t)
    mine_at = next(i for i, t in enumerate(order) if WAITING_WORDS in t)
    assert answered < mine_at
    assert offsite_requests() == []
