"""The admin's boards page: make, rename, describe, reorder, set the audience, archive.

Every change is a line in the public moderation log; a refused change comes back with what
the admin typed; only administrators reach the page.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Board, ModAction
from tests.factories import make_board, make_user

PAGE = "/admin/boards"


def text(response) -> str:
    return response.get_data(as_text=True)


def words(body: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", body))


@pytest.fixture
def admin(ctx, person):
    make_user("root", "Site Keeper", role="admin")
    assert person.login("root").status_code == 302
    return person


def board(slug: str) -> Board:
    return db.session.scalar(select(Board).where(Board.slug == slug))


def edit(admin, slug: str, **fields):
    """Send one board's form as the page shows it, with `fields` changed."""
    b = board(slug)
    data = {"name": b.name, "description": b.description, "audience": b.audience, **fields}
    return admin.submit(PAGE, {f"b{b.id}-{k}": v for k, v in data.items()},
                        action=f"{PAGE}/{slug}/update")


def order(browser) -> list[str]:
    page = text(browser.get("/boards/"))
    return re.findall(r'href="/boards/([^"/]+)"', page)


def test_only_admins_reach_the_boards_page(ctx, make_browser):
    make_user("june", "June Watch", role="moderator")
    make_user("bob", "Bob Reed")
    for login in ("june", "bob"):
        browser = make_browser()
        browser.login(login)
        assert browser.get(PAGE).status_code == 403
    assert make_browser().get(PAGE).status_code == 302  # a visitor logs in first


def test_an_admin_makes_a_members_board_that_visitors_never_see(admin, make_browser):
    made = admin.submit(PAGE, {"name": "Lanternhall", "description": "For members.",
                               "audience": "members"})
    assert made.status_code == 302
    b = board("lanternhall")
    assert (b.audience, b.description) == ("members", "For members.")
    visitor = make_browser()
    assert "Lanternhall" not in text(visitor.get("/boards/"))
    assert visitor.get("/boards/lanternhall").status_code == 404
    make_user("bob", "Bob Reed")
    bob = make_browser()
    bob.login("bob")
    assert "Lanternhall" in text(bob.get("/boards/"))
    # Logged as made and as closed to members; named only to those who may read it.
    assert "created the board “Lanternhall”" in words(text(admin.get("/mod/log")))
    log = words(text(visitor.get("/mod/log")))
    assert "Lanternhall" not in log and "created a board that is not public" in log


def test_a_refused_board_comes_back_with_what_was_typed(admin):
    make_board("Open Porch")
    refused = admin.submit(PAGE, {"name": "open porch", "description": "My careful words.",
                                  "audience": "public"})
    assert refused.status_code == 400
    body = text(refused)
    assert "Another board already has that name." in body and "My careful words." in body
    refused = edit(admin, "open-porch", name="", description="Kept description.")
    assert refused.status_code == 400 and "Kept description." in text(refused)
    assert board("open-porch").name == "Open Porch"


def test_rename_describe_and_set_the_audience_each_logged(admin, make_browser):
    make_board("Open Porch")
    assert edit(admin, "open-porch", name="Front Porch", description="Sit a while.").status_code == 302
    b = board("open-porch")  # the address stays, so links keep working
    assert (b.name, b.description) == ("Front Porch", "Sit a while.")
    assert edit(admin, "open-porch", audience="circle").status_code == 302
    assert board("open-porch").audience == "circle"
    actions = db.session.scalars(select(ModAction.action).order_by(ModAction.id)).all()
    assert actions == ["board_rename", "board_describe", "board_audience:circle"]
    visitor = make_browser()
    assert visitor.get("/boards/open-porch").status_code == 404
    assert "Front Porch" not in text(visitor.get("/mod/log"))
    assert edit(admin, "open-porch", audience="public").status_code == 302
    assert visitor.get("/boards/open-porch").status_code == 200
    assert "opened to everyone" in words(text(visitor.get("/mod/log")))


def test_move_up_and_down(admin):
    for position, name in enumerate(("Alpha Room", "Beta Room", "Gamma Room")):
        make_board(name, position=position)
    assert order(admin) == ["alpha-room", "beta-room", "gamma-room"]
    admin.submit(PAGE, {"direction": "up"}, action=f"{PAGE}/gamma-room/move")
    assert order(admin) == ["alpha-room", "gamma-room", "beta-room"]
    admin.submit(PAGE, {"direction": "down"}, action=f"{PAGE}/alpha-room/move")
    assert order(admin) == ["gamma-room", "alpha-room", "beta-room"]
    assert "moved up" in words(text(admin.get("/mod/log")))


def test_archive_and_bring_back(admin):
    make_board("Old Hall")
    archived = admin.submit(PAGE, {"archived": "1"}, action=f"{PAGE}/old-hall/archive",
                            follow_redirects=True)
    assert "Old Hall is archived" in text(archived) and board("old-hall").archived
    boards = text(admin.get("/boards/"))
    assert boards.index("Archived boards") < boards.index("Old Hall")
    assert "Start a thread" not in text(admin.get("/boards/old-hall"))
    admin.submit(PAGE, {"archived": "0"}, action=f"{PAGE}/old-hall/archive")
    assert not board("old-hall").archived
    assert "Start a thread" in text(admin.get("/boards/old-hall"))
    log = words(text(admin.get("/mod/log")))
    assert "archived the board “Old Hall”" in log
    assert "took out of the archive the board “Old Hall”" in log
