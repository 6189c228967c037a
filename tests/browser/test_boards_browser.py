"""An administrator makes a circle board on the boards page; a moderator lets a member in,
who then finds it on the boards index, where a visitor never sees it."""
from playwright.sync_api import expect

from tests.factories import PASSWORD, make_user


def test_admin_makes_a_circle_board_and_a_moderator_lets_a_member_in(
        page, app, seeded, new_context, log_in, shoot, offsite_requests):
    with app.app_context():
        make_user("keeper", "Keeper Admin", role="admin")
        make_user("watcher", "Watcher Mod", role="moderator")
        make_user("wren", "Wren Amsel")

    log_in(page, "keeper", PASSWORD)
    page.get_by_role("link", name="Admin").click()
    page.locator("main").get_by_role("link", name="Boards", exact=True).click()
    page.get_by_label("Name", exact=True).last.fill("Lamplight Circle")
    page.get_by_label("Description").last.fill("For a few, kept by the moderators.")
    page.get_by_label("A circle of members that moderators approve").last.check()
    page.get_by_role("button", name="Make the board").click()
    expect(page.get_by_text("The board Lamplight Circle is made.")).to_be_visible()
    shoot(page, "admin-boards")

    mod = new_context().new_page()
    log_in(mod, "watcher", PASSWORD)
    mod.goto("/boards/lamplight-circle")
    mod.get_by_role("link", name="Who is in the circle").click()
    mod.get_by_label("Public name").fill("Wren Amsel")
    mod.get_by_role("button", name="Let in").click()
    expect(mod.get_by_text("Wren Amsel can now read Lamplight Circle.")).to_be_visible()
    expect(mod.get_by_role("listitem").filter(has_text="Wren Amsel")).to_be_visible()
    shoot(mod, "circle")

    member = new_context().new_page()
    log_in(member, "wren", PASSWORD)
    member.goto("/boards/")
    member.get_by_role("link", name="Lamplight Circle").click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Lamplight Circle")
    expect(member.get_by_role("link", name="Start a thread")).to_be_visible()

    visitor = new_context().new_page()
    visitor.goto("/boards/")
    expect(visitor.get_by_text("Lamplight Circle")).to_have_count(0)
    assert visitor.goto("/boards/lamplight-circle").status == 404
    assert offsite_requests() == []
