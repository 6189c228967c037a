"""Reading a conversation, clicked through (issue 19): notifications open from anywhere on
their card; a post has a permalink, Copy link and Quote; Reply opens its form in place."""
import re

from playwright.sync_api import expect

from tests.browser.test_accessibility import COLOUR_RULES, serious_problems
from tests.factories import PASSWORD, make_board, make_reply, make_thread, make_user


def scene(app):
    with app.app_context():
        alice = make_user("alice", "Alice Marsh")
        bob = make_user("bob", "Bob Reed")
        thread = make_thread(alice, make_board("Talk"), title="Leaflets", body="Seen these?")
        for n in range(1, 4):
            make_reply(bob, thread, body=f"Answer number {n}, about the *leaflets* we got.")
        # A moderator writing under their public handle: marked "Moderator" (axe checks it).
        make_reply(make_user("june", "June Watch", role="moderator"), thread,
                   body="Please keep names of people still inside out of here.")
        make_reply(bob, make_thread(alice, thread.board, title="Sleep", body="How?"),
                   body="Badly, to be honest.")
        return thread.public_id


def test_clicking_a_notification_cards_text_opens_it(page, app, log_in, shoot, offsite_requests,
                                                     axe_source):
    scene(app)
    log_in(page, "alice", PASSWORD)
    page.goto("/notifications")
    cards = page.locator("li.notification")
    expect(cards).to_have_count(2)
    expect(cards.nth(1)).to_contain_text("4 new posts in “Leaflets”")
    shoot(page, "notifications")
    assert serious_problems(page, axe_source) == []
    page.emulate_media(color_scheme="dark")
    assert serious_problems(page, axe_source, COLOUR_RULES) == []
    page.emulate_media(color_scheme="light")
    # A person clicks the excerpt's words, not the small button (Playwright's own click
    # would refuse: the card's one button is what lies under those words, as intended).
    box = cards.nth(0).get_by_text("Badly, to be honest.").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page).to_have_url(re.compile(r"/threads/\w+#p\w+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sleep")
    page.goto("/notifications")
    expect(page.locator("li.notification.unread")).to_have_count(1)
    assert offsite_requests() == []


def test_reply_opens_in_place_and_sends(page, app, log_in, shoot, offsite_requests, axe_source):
    thread = scene(app)
    log_in(page, "alice", PASSWORD)
    page.goto(f"/threads/{thread}")
    post = page.locator("li.post", has_text="Answer number 2")
    expect(post.get_by_role("link", name=re.compile("^Link to this post"))).to_be_visible()
    expect(page.locator("li.post", has_text="Please keep names").locator(".badge.moderator")
           ).to_have_text("Moderator")
    shoot(page, "thread-conversation")
    post.get_by_role("link", name="Reply to Bob Reed").click()
    box = post.get_by_label("Your reply")
    expect(box).to_be_visible()  # under the post, on this page
    expect(page).to_have_url(re.compile(rf"/threads/{thread}$"))
    shoot(page, "thread-reply-in-place")
    assert serious_problems(page, axe_source) == []
    page.emulate_media(color_scheme="dark")
    assert serious_problems(page, axe_source, COLOUR_RULES) == []
    page.emulate_media(color_scheme="light")
    box.fill("Thank you, that helps.")
    post.get_by_role("button", name="Send", exact=True).click()
    mine = page.locator("li.post", has_text="Thank you, that helps.")
    expect(mine).to_be_visible()
    expect(mine).to_contain_text("replying to Bob Reed")
    assert offsite_requests() == []


def test_quote_a_selected_passage_into_a_reply(page, app, log_in):
    thread = scene(app)
    log_in(page, "alice", PASSWORD)
    page.goto(f"/threads/{thread}")
    post = page.locator("li.post", has_text="Answer number 3")
    # Select "the leaflets we got" inside the post's text, as a mouse would.
    post.locator(".post-body p").evaluate("""p => {
        const text = p.lastChild;  // " we got." after <em>leaflets</em>
        const range = document.createRange();
        range.setStart(p.querySelector('em').firstChild, 0);
        range.setEnd(text, text.length);
        const chosen = getSelection(); chosen.removeAllRanges(); chosen.addRange(range);
    }""")
    post.get_by_role("button", name="Quote this post").click()
    expect(post.get_by_label("Your reply")).to_have_value("> leaflets we got.\n\n")
    # Quoting the whole post when nothing is selected, into the same open form.
    page.evaluate("getSelection().removeAllRanges()")
    post.get_by_role("button", name="Quote this post").click()
    expect(post.get_by_label("Your reply")).to_have_value(
        "> leaflets we got.\n\n> Answer number 3, about the leaflets we got.\n\n")


def test_copy_link_copies_the_permalink(page, app, context, log_in, base_url):
    thread = scene(app)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page.goto(f"/threads/{thread}")
    post = page.locator("li.post", has_text="Answer number 1")
    permalink = post.locator("a.permalink").get_attribute("href")
    post.get_by_role("button", name="Copy link to this post").click()
    expect(post.get_by_role("button", name="Link copied to this post")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == base_url + permalink
    # The permalink goes to the post, scrolled to it.
    page.goto(permalink)
    expect(page).to_have_url(re.compile(r"#p\w+$"))


def test_a_story_page_has_permalinks_for_a_visitor_too(page, app, shoot, offsite_requests):
    with app.app_context():
        from tests.factories import make_story
        alice = make_user("alice", "Alice Marsh")
        story = make_story(alice, title="Nine years inside", body="It began with a meeting.")
        make_reply(make_user("bob", "Bob Reed"), story.thread, body="Thank you for this.")
        slug = story.slug
    page.goto(f"/stories/{slug}")
    comment = page.locator("li.post", has_text="Thank you for this.")
    expect(comment.get_by_role("link", name=re.compile("^Link to this post"))).to_be_visible()
    expect(page.get_by_role("heading", name="1 comment")).to_be_visible()
    expect(comment.get_by_role("button", name="Quote this post")).to_have_count(0)  # no Reply
    shoot(page, "story-conversation")
    assert offsite_requests() == []


def test_the_boards_index_shows_each_boards_activity(page, app, seeded, shoot):
    page.goto("/boards/")
    first = page.locator(".board-list > li").first
    expect(first.locator(".board-activity")).to_contain_text(
        re.compile(r"^\d+ threads? · \d+ posts? · last active \d+ \w+ \d{4}$"))
    shoot(page, "boards-index")
