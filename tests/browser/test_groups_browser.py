"""A moderator accepts a member's proposed group from the groups page; readers then find it,
and a search for one of a group's other names finds the group."""
from playwright.sync_api import expect

from forum.demo.content import DEMO_PASSWORD


def test_a_moderator_accepts_a_proposed_group(page, seeded, log_in, shoot, offsite_requests):
    page.goto("/stories/choosing-my-own-clothes-at-thirty-four")
    expect(page.get_by_text("Kingdom Family Homes (proposed)")).to_be_visible()
    log_in(page, "june_mod", DEMO_PASSWORD)
    page.goto("/mod/")
    page.get_by_role("link", name="Groups: proposals and other names").click()
    expect(page.get_by_role("heading", name="Kingdom Family Homes")).to_be_visible()
    shoot(page, "groups-curate")
    page.get_by_label("Accept under the name").fill("Kingdom Family Homes (KFH)")
    page.get_by_role("button", name="Accept Kingdom Family Homes").click()
    expect(page.get_by_text("The group is accepted")).to_be_visible()
    page.goto("/groups/")
    page.get_by_role("link", name="Kingdom Family Homes (KFH)").click()
    expect(page.get_by_role("link", name="Choosing my own clothes at thirty-four")).to_be_visible()
    page.goto("/search?q=new+dawn")
    expect(page.get_by_text("also known as New Dawn Outreach")).to_be_visible()
    shoot(page, "groups-search-alias")
    assert offsite_requests() == []
