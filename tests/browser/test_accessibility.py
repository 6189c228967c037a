"""axe-core (from npm, see package.json) finds no serious or critical problem on the pages
people read and the forms they fill in, in light and dark mode."""
import pytest

from forum.cli import DEMO_PASSWORD
from tests.browser.conftest import AXE

READER_PAGES = ["/", "/stories/growing-up-at-stillwater", "/threads/8", "/boards/just-left",
                "/groups/the-stillwater-community", "/auth/register", "/auth/login",
                "/support", "/safety"]
MEMBER_PAGES = ["/stories/new", "/threads/8/reply"]
MODERATOR_PAGES = ["/mod/"]


# In dark mode only the colours change, so only the colour rules run again.
COLOUR_RULES = {"runOnly": {"type": "rule", "values": ["color-contrast", "link-in-text-block"]}}


def serious_problems(page, options=None):
    # Injected by evaluate, not a <script> tag, so the page's CSP stays as it is.
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    result = page.evaluate("async (options) => await axe.run(document, options || {})", options)
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3], v["help"])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_no_serious_accessibility_problems(page, seeded, log_in, offsite_requests):
    if not AXE.exists():
        pytest.fail(f"{AXE} missing: run `npm ci` in the project root", pytrace=False)
    found = {}

    def check(name):
        page.emulate_media(color_scheme="light")
        found[name] = serious_problems(page)
        page.emulate_media(color_scheme="dark")
        found[f"{name} (dark)"] = serious_problems(page, COLOUR_RULES)

    for path in READER_PAGES:
        page.goto(path)
        check(path)
    page.goto("/stories/growing-up-at-stillwater")
    page.locator("details.warnings > summary").click()
    check("story, opened")
    log_in(page, "june_mod", DEMO_PASSWORD)  # a moderator is a member too: every form and the queue
    for path in MEMBER_PAGES + MODERATOR_PAGES:
        response = page.goto(path)
        assert response.ok, path
        check(path)
    page.goto("/threads/8")
    page.locator(".post-actions").get_by_role("link", name="Reply").first.click()
    check("reply to a post")
    assert {name: problems for name, problems in found.items() if problems} == {}
    assert offsite_requests() == []
