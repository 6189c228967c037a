"""Quick exit: the button and Shift x3 leave for a neutral page, and Back does not return."""
import pytest
from playwright.sync_api import expect

EXIT = "https://www.bbc.co.uk/weather"


@pytest.fixture
def neutral(page):
    """Stands in for the weather page, so the test never touches the real one; records what
    the site sent along with the visit."""
    visits = []

    def weather(route):
        visits.append(route.request)
        route.fulfill(status=200, content_type="text/html",
                      body="<!doctype html><title>Weather</title><p>Sunny intervals.")
    page.context.route("https://www.bbc.co.uk/**", weather)
    return visits


def _left_without_a_trace(page, neutral):
    page.wait_for_url(EXIT)
    expect(page).to_have_title("Weather")
    assert "referer" not in neutral[-1].headers  # the neutral site is not told where from
    page.go_back()
    assert page.url == "about:blank"  # the site's page was replaced, not stacked


def test_leave_button_replaces_the_page_in_history(page, neutral):
    assert page.url == "about:blank"
    page.goto("/stories/")
    page.get_by_role("link", name="Leave this site").click()
    _left_without_a_trace(page, neutral)


def test_shift_three_times_leaves(page, neutral):
    page.goto("/support")
    for _ in range(3):
        page.keyboard.press("Shift")
    _left_without_a_trace(page, neutral)


def test_shift_in_ordinary_typing_does_not_leave(page, neutral):
    page.goto("/auth/login")
    page.get_by_label("Login name").focus()
    for key in ("Shift+A", "b", "Shift", "c", "Shift", "d"):
        page.keyboard.press(key)
    page.keyboard.press("Shift")
    page.wait_for_timeout(1100)  # and presses more than a second apart do not add up
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    page.wait_for_timeout(300)
    assert page.url.endswith("/auth/login") and neutral == []


def test_without_scripts_the_button_is_a_plain_link(browser, base_url, new_context):
    page = new_context(java_script_enabled=False).new_page()
    visits = []
    page.route("https://www.bbc.co.uk/**", lambda route: (
        visits.append(route.request), route.fulfill(status=200, body="<title>Weather</title>",
                                                    content_type="text/html")))
    page.goto("/")
    page.get_by_role("link", name="Leave this site").click()
    page.wait_for_url(EXIT)
    assert "referer" not in visits[-1].headers
    # An ordinary link adds to the history: Back returns here. This is what the script saves
    # a reader from, and what /safety warns about.
    page.go_back()
    assert page.url == f"{base_url}/"


@pytest.mark.parametrize("width", [360, 1280])
def test_the_second_tab_reaches_the_leave_button_and_enter_leaves(page, neutral, width):
    """Keyboard first: "Skip to content", then "Leave this site", whatever the layout shows."""
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/stories/")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to content")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_id("quick-exit")
    box = page.locator("#quick-exit").bounding_box()
    assert box["x"] + box["width"] <= width and box["y"] < 80  # in view, at the header's end
    page.keyboard.press("Enter")
    _left_without_a_trace(page, neutral)
