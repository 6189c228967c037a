"""An administrator finds a member by part of their public handle, from the Admin link."""
from playwright.sync_api import expect

from forum.demo.content import DEMO_PASSWORD


def test_an_admin_finds_a_member(page, seeded, log_in, shoot, offsite_requests):
    log_in(page, "afterward_admin", DEMO_PASSWORD)
    page.get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", name="Members")).to_be_visible()
    page.get_by_label("Public handle contains").fill("ruth")
    page.get_by_label("Role").select_option("member")
    page.get_by_role("button", name="Find members").click()
    results = page.locator("ul.members li")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("ruth_rebuilds")
    expect(results.first).to_contain_text("Active")
    shoot(page, "admin-members")
    assert offsite_requests() == []
