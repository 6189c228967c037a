"""The page's frame holds for every role: the header is one row at desktop width and a compact
menu on a phone, nothing leaves the screen, and "Leave this site" never lies over the text.

Each role (visitor, member with unread notifications, moderator, administrator) is measured
at 360 and 1280 pixels (and the header at 1024 too), on the demo site.
"""
import pytest
from playwright.sync_api import expect

from forum.demo.content import DEMO_PASSWORD
from forum.extensions import db
from forum.models import Story
from tests.browser.test_accessibility import serious_problems
from tests.factories import make_story, make_user

STORY = "Growing up at Stillwater"  # a long story with warnings and comments

ROLES = {
    "visitor": None,
    "member": "maren_after",        # has unread notifications in the demo
    "moderator": "june_mod",
    "admin": "afterward_admin",
}

# Every element's box, against the viewport: what sticks out to the right or left.
OUTSIDE = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden") continue;
    if (el.closest(".visually-hidden, .gate-field, .skip-link")) continue;
    // Inside something that scrolls or clips sideways (a wide table, a code block), it is seen
    // through that box, which is itself checked.
    let clipped = false;
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const o = getComputedStyle(up).overflowX;
      if (o === "auto" || o === "scroll" || o === "hidden" || o === "clip") { clipped = true; break; }
    }
    if (clipped) continue;
    if (box.right > width + 0.5 || box.left < -0.5) {
      out.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(box.left)}..${Math.round(box.right)}`);
    }
  }
  return out;
}"""

# Where the header's row items are: nav links, search, account, exit, and the header's height.
HEADER = """() => {
  const header = document.querySelector(".site-header");
  const items = [...header.querySelectorAll(
      ".brand, .nav a, .site-search, .account > summary, .quick-exit, .menu > summary")]
    .filter(el => el.getBoundingClientRect().height > 0)
    .map(el => {
      const box = el.getBoundingClientRect();
      return {name: (el.textContent || el.className).trim().split(/\\s+/)[0],
              middle: Math.round(box.top + box.height / 2),
              left: box.left, right: box.right,
              cut: el.scrollWidth > el.clientWidth + 1 || [...el.querySelectorAll("span")]
                .some(s => !s.closest(".visually-hidden") && s.scrollWidth > s.clientWidth + 1)};
    });
  return {height: header.getBoundingClientRect().height, items};
}"""

# The exit button's box against the part of every text box in <main> that is on screen and
# not under the header (text that has scrolled under the opaque header is out of sight, as if
# it had left the top of the screen).
OVERLAPS = """() => {
  const exit = document.getElementById("quick-exit").getBoundingClientRect();
  const header = document.querySelector(".site-header");
  const headerBox = header.getBoundingClientRect();
  const opaque = getComputedStyle(header).backgroundColor;
  const hits = [];
  for (const el of document.querySelectorAll("main p, main li, main h1, main h2, main h3, main summary, main blockquote")) {
    const box = el.getBoundingClientRect();
    const top = Math.max(box.top, headerBox.bottom);
    if (box.height === 0 || top >= box.bottom || top >= window.innerHeight) continue;
    if (exit.left < box.right && box.left < exit.right && exit.top < box.bottom && top < exit.bottom) {
      hits.push(el.textContent.trim().slice(0, 40));
    }
  }
  return {hits, opaque, exitBottom: exit.bottom, headerBottom: headerBox.bottom,
          exitTop: exit.top};
}"""


def _log_in(page, role):
    if ROLES[role] is None:
        return
    page.goto("/auth/login")
    page.get_by_label("Login name").fill(ROLES[role])
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out", include_hidden=True)).to_have_count(1)


def _scroll_to(page, y):
    page.evaluate(f"window.scrollTo(0, {y})")
    for _ in range(50):
        if abs(page.evaluate("window.scrollY") - y) < 2 or page.evaluate(
                "window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 1"):
            break
        page.wait_for_timeout(20)


@pytest.mark.parametrize("role", list(ROLES))
def test_the_frame_holds_for_every_role(page, seeded, role, shoot):
    _log_in(page, role)
    page.goto("/")
    if role == "member":
        expect(page.locator(".account > summary .badge")).to_have_count(1)  # unread, counted
    if role == "moderator":
        expect(page.get_by_role("link", name="Moderate")).to_be_visible()
    if role == "admin":
        expect(page.get_by_role("link", name="Admin")).to_be_visible()

    # Desktop: one row, whatever the role.
    for width in (1280, 1024):
        page.set_viewport_size({"width": width, "height": 800})
        header = page.evaluate(HEADER)
        assert header["height"] < 90, (width, header)
        middles = {item["middle"] for item in header["items"]}
        assert max(middles) - min(middles) <= 4, (width, header["items"])
        # Side by side, none over another, none cut short (a name shortened to "After…").
        row = sorted(header["items"], key=lambda item: item["left"])
        for before, after in zip(row, row[1:]):
            assert before["right"] <= after["left"] + 0.5, (width, before, after)
        assert [item["name"] for item in row if item["cut"]] == [], width
        assert page.evaluate(OUTSIDE) == [], width

    # Phone: a compact header, its menu closed, then open (no script needed for either).
    page.set_viewport_size({"width": 360, "height": 800})
    header = page.evaluate(HEADER)
    assert header["height"] <= 100, header  # an eighth of the screen at most
    assert page.evaluate(OUTSIDE) == []
    expect(page.get_by_role("link", name="Leave this site")).to_be_visible()
    page.locator(".menu > summary").click()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Stories")).to_be_visible()
    expect(page.get_by_role("searchbox", name="Search")).to_be_visible()
    if role != "visitor":
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        expect(page.get_by_role("link", name="Drafts")).to_be_visible()
    assert page.evaluate(OUTSIDE) == []
    page.screenshot(path=f"tests/browser/screenshots/layout-menu-{role}-360.png")
    page.locator(".menu > summary").click()

    # A long story, scrolled: the exit button in view, never over the text.
    page.goto("/")
    page.get_by_role("link", name=STORY).click()
    page.get_by_text("Content warnings:").click()
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        height = page.evaluate("document.documentElement.scrollHeight")
        for y in range(0, height, 250):
            _scroll_to(page, y)
            seen = page.evaluate(OVERLAPS)
            assert seen["hits"] == [], (width, y, seen)
            # The button is in the header's row, the header opaque and on screen.
            assert 0 <= seen["exitTop"] and seen["exitBottom"] <= seen["headerBottom"], seen
            assert seen["opaque"] not in ("transparent", "rgba(0, 0, 0, 0)"), seen
        assert page.evaluate(OUTSIDE) == [], width
    _scroll_to(page, 0)
    shoot(page, f"layout-story-{role}")


def test_the_account_menu_opens_without_scripts(browser, base_url, seeded, new_context):
    page = new_context(java_script_enabled=False, viewport={"width": 1280, "height": 800}).new_page()
    _log_in(page, "member")
    page.locator(".account > summary").click()
    expect(page.get_by_role("link", name="Drafts")).to_be_visible()
    page.get_by_role("link", name="Drafts").click()
    expect(page).to_have_url(f"{base_url}/stories/drafts")


def test_a_story_s_own_lists_are_not_warning_badges(page, app, log_in):
    """Content warnings' styles once leaked into the story's own bulleted and numbered lists,
    drawing each item as a rounded pill."""
    with app.app_context():
        author = make_user("lists_writer", "Lists Writer")
        story = make_story(author, title="Lists after leaving", warnings=["abuse"],
                           body="What helped:\n\n- sleep\n- friends\n\nIn order:\n\n1. one\n2. two\n")
        slug = db.session.get(Story, story.id).slug
        db.session.remove()
    page.goto(f"/stories/{slug}")
    page.get_by_text("Content warnings:").click()
    for item in page.locator(".story-body li").all():
        expect(item).to_be_visible()
        style = item.evaluate("""el => ({radius: getComputedStyle(el).borderTopLeftRadius,
            border: getComputedStyle(el).borderTopWidth, list: getComputedStyle(el).display,
            marker: getComputedStyle(el.parentElement).listStyleType})""")
        assert style["radius"] == "0px" and style["border"] == "0px", style
        assert style["list"] == "list-item" and style["marker"] in ("disc", "decimal"), style


def test_the_account_menu_closes_like_a_menu(page, seeded):
    """With scripts, Escape and a click elsewhere close it (without, its button does)."""
    _log_in(page, "member")
    page.goto("/")
    summary = page.locator(".account > summary")
    drafts = page.get_by_role("link", name="Drafts")
    summary.click()
    expect(drafts).to_be_visible()
    drafts.focus()
    page.keyboard.press("Escape")
    expect(drafts).to_be_hidden()
    expect(summary).to_be_focused()
    summary.click()
    expect(drafts).to_be_visible()
    page.locator("main h1").first.click()
    expect(drafts).to_be_hidden()


def test_messages_and_buttons_look_like_what_they_say(page, app, shoot, axe_source):
    """A refusal never looks like good news; a destructive button never like the primary one."""
    from flask import flash, render_template_string

    def sample():
        flash("Your changes are saved.", "success")
        flash("Your draft is kept here.")
        flash("Please wait a minute before you send again.", "error")
        flash("This story is still waiting for a moderator.", "warning")
        return render_template_string(
            '{% extends "base.html" %}{% block content %}<h1>Samples</h1><div class="actions">'
            '<button type="button">Save</button><button type="button" class="secondary">'
            'Preview</button><button type="button" class="danger">Delete</button></div>'
            '<p class="notice">A plain notice.</p>{% endblock %}')
    app.add_url_rule("/_samples", "samples", sample)
    page.goto("/_samples")
    looks = page.evaluate("""() => [...document.querySelectorAll(".flash")].map(el =>
        [el.className, getComputedStyle(el).backgroundColor, el.getAttribute("role")])""")
    assert len({background for _, background, _ in looks}) == 4, looks
    assert [role for name, _, role in looks if "error" in name] == ["alert"]
    primary, danger = (page.get_by_role("button", name=name).evaluate(
        "el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).borderTopColor]")
        for name in ("Save", "Delete"))
    assert primary[0] != danger[0] and primary[1] != danger[1]
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        assert serious_problems(page, axe_source) == [], scheme
    shoot(page, "design-samples")
