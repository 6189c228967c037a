"""Search as a reader uses it: words, then only stories or only one group, without
JavaScript's help; the page says how many results, and keeps what was asked."""
import re

from playwright.sync_api import expect

from tests.browser.test_accessibility import COLOUR_RULES, serious_problems


def test_a_reader_narrows_a_search(page, seeded, shoot, axe_source, offsite_requests):
    page.goto("/search")
    page.get_by_label("Words to look for").fill("meeting")
    page.get_by_role("button", name="Search", exact=True).last.click()
    count = page.locator(".search-count")
    expect(count).to_contain_text(re.compile(r"\d+ results? for “meeting”"))
    shoot(page, "search-results")
    page.get_by_label("Show").select_option("stories")
    page.locator("form.search-page-form").get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"kind=stories"))
    expect(page.get_by_label("Words to look for")).to_have_value("meeting")
    expect(page.get_by_label("Show")).to_have_value("stories")
    kinds = page.locator(".search-result").evaluate_all("els => els.map(e => e.className)")
    assert kinds and all(k == "search-result story" for k in kinds)
    expect(count).to_contain_text("among stories")
    assert serious_problems(page, axe_source) == []
    page.emulate_media(color_scheme="dark")
    assert serious_problems(page, axe_source, COLOUR_RULES) == []
    page.emulate_media(color_scheme="light")
    shoot(page, "search-stories")
    # A discussion: the thread once, with its first post's words, and the replies.
    page.goto("/search?q=therapist")
    expect(page.locator(".search-result.thread")).to_have_count(1)
    shoot(page, "search-threads-and-posts")
    assert offsite_requests() == []
