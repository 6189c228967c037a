"""A visitor reads the demo site: a story behind its warnings, a group, a board thread."""
from playwright.sync_api import expect

STORY = "Growing up at Stillwater"           # warnings: self-harm, abuse; has comments
THREAD = "Day 12. Is it normal to miss it?"  # nested replies, some anonymous


def test_visitor_reads_a_story_a_group_and_a_thread(page, seeded, offsite_requests):
    page.goto("/")
    page.get_by_role("link", name=STORY).click()
    expect(page.get_by_role("heading", level=1, name=STORY)).to_be_visible()
    expect(page).to_have_title("Afterward")

    # The story waits behind its warnings; a calm pointer to support sits above them.
    body = page.locator("details.warnings .story-body")
    expect(body).to_be_hidden()
    pointer = page.locator(".support-pointer")
    expect(pointer).to_be_visible()
    expect(pointer.get_by_role("link", name="support is here")).to_have_attribute("href",
                                                                               "/support")
    page.get_by_text("Content warnings: Self-harm, Abuse.").click()
    expect(body).to_be_visible()
    expect(page.locator(".comment-tree > .post").first).to_be_visible()

    page.get_by_role("link", name="The Stillwater Community").click()
    expect(page.get_by_role("heading", level=1, name="The Stillwater Community")).to_be_visible()
    expect(page.get_by_role("link", name=STORY)).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Boards").click()
    page.get_by_role("link", name="Just left").click()
    page.get_by_role("link", name=THREAD).click()
    expect(page.get_by_role("heading", level=1, name=THREAD)).to_be_visible()
    expect(page.locator(".comment-tree > .post.depth-2").first).to_be_visible()
    expect(page.get_by_text("Log in or join to take part.")).to_be_visible()

    page.get_by_role("link", name="Support", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Finding support")).to_be_visible()
    page.get_by_role("link", name="Reading safely").click()
    expect(page.get_by_role("heading", level=1, name="Reading safely")).to_be_visible()

    assert offsite_requests() == []


def _shoot(page, folder, name):
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=folder / f"{name}-{width}.png", full_page=True)
        # Nothing may push a phone screen sideways.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} is {overflow}px too wide at {width}px"


def test_screenshots_at_phone_and_desktop_widths(page, seeded, screenshots, offsite_requests):
    page.goto("/")
    _shoot(page, screenshots, "home")
    page.get_by_role("link", name=STORY).click()
    page.get_by_text("Content warnings:").click()
    _shoot(page, screenshots, "story")
    page.goto("/boards/just-left")
    page.get_by_role("link", name=THREAD).click()
    _shoot(page, screenshots, "thread")

    # Dark mode, and the story as it prints (whole, though its warnings were never opened).
    page.emulate_media(color_scheme="dark")
    page.goto("/")
    page.get_by_role("link", name=STORY).click()
    _shoot(page, screenshots, "story-dark")
    page.emulate_media(color_scheme="light", media="print")
    expect(page.locator("details.warnings .story-body")).to_be_visible()
    expect(page.locator("#quick-exit")).to_be_hidden()
    page.set_viewport_size({"width": 794, "height": 1123})
    page.screenshot(path=screenshots / "story-print.png", full_page=True)
    assert offsite_requests() == []


def test_quick_exit_stays_in_view_down_a_long_story(page, seeded):
    page.set_viewport_size({"width": 360, "height": 640})
    page.goto("/")
    page.get_by_role("link", name=STORY).click()
    page.get_by_text("Content warnings:").click()
    page.mouse.wheel(0, 5000)
    # Polled from here: wait_for_function() polls inside the page, where the site's CSP
    # (no eval) stops it whenever the scroll has not finished at the first look.
    for _ in range(100):
        if page.evaluate("window.scrollY") > 1000:
            break
        page.wait_for_timeout(50)
    assert page.evaluate("window.scrollY") > 1000
    button = page.get_by_role("link", name="Leave this site")
    expect(button).to_be_in_viewport()
    box = button.bounding_box()
    assert box["y"] < 60 and box["height"] >= 40  # at the top, and big enough to hit
