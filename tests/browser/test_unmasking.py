"""Two administrators unmask a pseudonym through the pages, and a visitor reads the count."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from forum.extensions import db
from forum.models import ANONYMOUS, Handle, Post
from tests.factories import PASSWORD, make_user


def test_one_asks_another_approves_and_only_the_first_sees_the_answer(
        page, app, seeded, new_context, log_in, shoot, offsite_requests):
    with app.app_context():
        make_user("keeper_one", "Keeper One", role="admin")
        make_user("keeper_two", "Keeper Two", role="admin")
        post, pseudonym = db.session.execute(
            select(Post.public_id, Handle.name).join(Handle, Post.handle_id == Handle.id)
            .where(Handle.kind == ANONYMOUS).order_by(Post.id).limit(1)).one()
        db.session.remove()

    log_in(page, "keeper_one", PASSWORD)
    page.get_by_role("link", name="Admin").click()
    page.get_by_role("link", name="Unmasking audit log").click()
    page.get_by_role("link", name="Ask to look behind an anonymous name").click()
    page.get_by_label("Anonymous post, thread or story").fill(f"/posts/{post}")
    page.get_by_label("A threat to someone's safety").check()
    page.get_by_label("Why you need to know").fill("A member reported a credible threat.")
    page.get_by_role("button", name="Ask another administrator").click()
    expect(page.get_by_text("Waiting for another administrator.")).to_be_visible()
    # The one who asked has no way to approve their own request.
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)

    second = new_context().new_page()
    log_in(second, "keeper_two", PASSWORD)
    second.goto("/admin/unmaskings")
    expect(second.get_by_text(pseudonym).first).to_be_visible()
    second.get_by_role("button", name="Approve").click()
    expect(second.get_by_text(re.compile("Approved by Keeper Two"))).to_be_visible()
    expect(second.get_by_role("button", name=re.compile("Show the answer"))).to_have_count(0)

    page.reload()
    page.get_by_role("button", name="Show the answer (once)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Who is behind {pseudonym}")
    shoot(page, "unmask-answer")
    page.goto("/admin/unmaskings")
    expect(page.get_by_role("button", name=re.compile("Show the answer"))).to_have_count(0)

    page.get_by_role("link", name="Transparency").click()
    expect(page.get_by_text("1 time in all.")).to_be_visible()
    expect(page.get_by_role("cell", name="A threat to someone's safety")).to_be_visible()
    shoot(page, "transparency")
    assert offsite_requests() == []
