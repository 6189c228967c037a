"""A member keeps a story and a post, opens Bookmarks from the account menu and removes one;
a long story shows its reading time, its table of contents and more about its group."""
import re

from playwright.sync_api import expect

from forum.demo.content import DEMO_PASSWORD
from forum.extensions import db
from forum.models import User
from tests.browser.test_accessibility import COLOUR_RULES, serious_problems
from tests.factories import make_story

THREAD = "Day 12. Is it normal to miss it?"
LONG = "\n\n".join([
    "Some of this is hard to write, so it comes in parts.",
    "## The first years", "I was two when we moved there. " * 80,
    "## School at the commune", "We learned scripture before reading. " * 80,
    "### The shared house", "Thirty children, four adults. " * 60,
    "## Leaving at nineteen", "A bus ticket and a borrowed coat. " * 80,
])


def _axe_clean(page, axe_source, name):
    page.emulate_media(color_scheme="light")
    found = {name: serious_problems(page, axe_source)}
    page.emulate_media(color_scheme="dark")
    found[f"{name} (dark)"] = serious_problems(page, axe_source, COLOUR_RULES)
    page.emulate_media(color_scheme="light")
    assert not [problems for problems in found.values() if problems], found


def test_a_member_keeps_a_story_and_a_post_then_removes_one(page, seeded, log_in, shoot,
                                                              axe_source, offsite_requests):
    with seeded.app_context():
        writer = db.session.scalar(User.by_login_name("maren_after"))
        slug = make_story(writer, title="The commune, in parts", body=LONG,
                          group_names=["The Stillwater Community"]).slug
    log_in(page, "tomas_h", DEMO_PASSWORD)

    page.goto(f"/stories/{slug}")
    expect(page.get_by_text("9 min read")).to_be_visible()
    contents = page.get_by_role("navigation", name="Contents of this story")
    expect(contents.get_by_role("link")).to_have_count(4)
    contents.get_by_role("link", name="Leaving at nineteen").click()
    expect(page).to_have_url(re.compile(r"#s-leaving-at-nineteen$"))
    expect(page.get_by_role("heading", name="Leaving at nineteen")).to_be_in_viewport()
    more = page.locator("section.more-from-group")
    expect(more.get_by_role("heading", name="More from this group")).to_be_visible()
    expect(more.get_by_role("link", name="Growing up at Stillwater")).to_be_visible()
    shoot(page, "story-long")
    _axe_clean(page, axe_source, "a long story")

    page.get_by_role("button", name="Bookmark this story").click()
    expect(page.get_by_text("Kept in your bookmarks.")).to_be_visible()
    expect(page.get_by_role("button", name="Remove the bookmark")).to_be_visible()

    page.goto("/boards/just-left")
    page.get_by_role("link", name=THREAD).click()
    page.locator("li.post").nth(1).get_by_role("button", name=re.compile("^Bookmark")).click()
    expect(page.get_by_text("Kept in your bookmarks.")).to_be_visible()
    _axe_clean(page, axe_source, "a thread with Bookmark buttons")

    page.locator(".account > summary").click()
    page.get_by_role("link", name="Bookmarks").click()
    expect(page.get_by_role("heading", name="Your bookmarks")).to_be_visible()
    kept = page.locator("li.bookmark")
    expect(kept).to_have_count(2)
    expect(kept.first).to_contain_text(f"A post in “{THREAD}”")
    expect(kept.nth(1)).to_contain_text("The commune, in parts")
    shoot(page, "bookmarks")
    _axe_clean(page, axe_source, "the Bookmarks page")

    page.get_by_role("button", name="Remove The commune, in parts").click()
    expect(page.get_by_text("Removed from your bookmarks.")).to_be_visible()
    expect(page.locator("li.bookmark")).to_have_count(1)
    page.goto(f"/stories/{slug}")
    expect(page.get_by_role("button", name="Bookmark this story")).to_be_visible()
    assert offsite_requests() == []
