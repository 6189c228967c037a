"""New since my last visit, clicked through: a member turns it on in Settings, reads a story,
another member replies, and the first sees "1 new" and follows it to the reply."""
import re

from playwright.sync_api import expect

from tests.browser.test_accessibility import COLOUR_RULES, serious_problems
from tests.factories import PASSWORD, make_reply, make_story, make_user


def scene(app) -> str:
    with app.app_context():
        wren = make_user("wren", "Wren Hale")
        make_user("ada", "Ada Byrne")
        make_user("bo", "Bo Lind")
        story = make_story(wren, title="The house on the hill",
                           body="We lived there for years, and nobody left.")
        make_reply(wren, story.thread, body="Thank you all for reading this far.")
        return story.slug


def test_a_member_sees_what_is_new_since_their_last_visit(page, browser, base_url, app, log_in,
                                                           shoot, offsite_requests, axe_source):
    slug = scene(app)
    log_in(page, "ada", PASSWORD)
    page.goto("/settings")
    page.get_by_role("link", name="Turn it on").click()
    box = page.get_by_label("Show what is new since my last visit")
    expect(box).not_to_be_checked()  # off until she chooses it
    expect(page.get_by_text("Only you can see it.")).to_be_visible()
    shoot(page, "read-marks-setting")
    assert serious_problems(page, axe_source) == []
    box.check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("From now on, the threads and stories you open show what is new")
           ).to_be_visible()
    expect(page.get_by_label("Show what is new since my last visit")).to_be_checked()

    page.goto(f"/stories/{slug}")  # her first visit: nothing is "new" yet
    expect(page.locator(".new-since")).to_have_count(0)

    # Bo, in his own browser, replies under the story.
    other = browser.new_context(base_url=base_url)
    bo = other.new_page()
    log_in(bo, "bo", PASSWORD)
    bo.goto(f"/stories/{slug}")
    bo.get_by_label("Add a comment").fill("It was the same for me, in another town.")
    bo.get_by_role("button", name="Send", exact=True).click()
    expect(bo.locator("li.post", has_text="It was the same for me")).to_be_visible()
    other.close()

    page.goto("/stories/")
    card = page.locator("li.card", has_text="The house on the hill")
    expect(card.locator(".badge.new")).to_have_text("new")
    shoot(page, "read-marks-story-list")

    page.goto(f"/stories/{slug}")
    link = page.get_by_role("link", name="1 new post")
    expect(link).to_be_visible()
    shoot(page, "read-marks-story")
    assert serious_problems(page, axe_source) == []
    page.emulate_media(color_scheme="dark")
    assert serious_problems(page, axe_source, COLOUR_RULES) == []
    page.emulate_media(color_scheme="light")
    link.click()
    expect(page).to_have_url(re.compile(r"/stories/[\w-]+#p\w+$"))
    target = page.locator("li.post:target")
    expect(target).to_contain_text("It was the same for me")
    shoot(page, "read-marks-followed")
    # Read now: coming back says nothing new.
    page.goto(f"/stories/{slug}")
    expect(page.locator(".new-since")).to_have_count(0)
    assert offsite_requests() == []
