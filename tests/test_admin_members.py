"""The administrator's members page: found by public handle, role and state, and never an
anonymous name, a login name or an email address."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from forum.clock import utcnow
from forum.extensions import db
from forum.models import Suspension
from tests.factories import make_board, make_reply, make_thread, make_user


@pytest.fixture
def people(ctx):
    admin = make_user("root_login", "Warden Hale", role="admin")
    make_user("mod_login", "Keeper Ash", role="moderator")
    quiet = make_user("quiet_login_x7", "Willow Finch", email="willow.hidden@example.org")
    until = utcnow() + timedelta(days=3)
    loud = make_user("loud_login", "Wilbur Stone", suspended_until=until,
                     suspension_reason="Shouting")
    # Suspended through his public handle (a post he signed), as a moderator does it.
    db.session.add(Suspension(user_id=loud.id, handle_id=loud.public_handle.id, until=until,
                              reason="Shouting", created_at=utcnow()))
    db.session.commit()
    for n in range(7):
        make_user(f"filler{n}", f"Zed Member {n}")
    thread = make_thread(quiet, make_board("Talk"), title="Hello")
    anonymous = make_reply(quiet, thread, body="Quietly.", anonymous=True)
    return {"admin": admin, "pseudonym": anonymous.handle.name, "anonymous": anonymous.public_id}


def handles(page: str) -> list[str]:
    return re.findall(r"<strong>([^<]+)</strong></a>", page)


def test_an_admin_finds_members_by_handle_role_and_state(people, make_browser, app_config):
    admin = make_browser()
    assert admin.login("root_login").status_code == 302
    page = admin.get("/admin/members?q=wil").get_data(as_text=True)
    assert handles(page) == ["Wilbur Stone", "Willow Finch"]
    assert "Suspended until" in page and "Active" in page
    assert handles(admin.get("/admin/members?role=moderator").get_data(as_text=True)) == [
        "Keeper Ash"]
    assert handles(admin.get("/admin/members?state=suspended").get_data(as_text=True)) == [
        "Wilbur Stone"]
    assert "Wilbur Stone" not in admin.get("/admin/members?state=active").get_data(as_text=True)
    # Nonsense filters are ignored, not errors.
    assert admin.get("/admin/members?role=owner&state=gone&q=%25").status_code == 200


def test_the_list_pages_by_handle(people, make_browser, app):
    app.config["ITEMS_PER_PAGE"] = 5
    admin = make_browser()
    admin.login("root_login")
    seen, url = [], "/admin/members"
    while url:
        page = admin.get(url).get_data(as_text=True)
        seen += handles(page)
        more = re.search(r'href="([^"]+)" rel="next"', page)
        url = more.group(1).replace("&amp;", "&") if more else None
    assert len(seen) == len(set(seen)) == 11  # every member once, across three pages


def test_no_anonymous_name_login_name_or_email_is_shown(people, make_browser):
    admin = make_browser()
    admin.login("root_login")
    page = admin.get("/admin/members").get_data(as_text=True)
    page += admin.get("/admin/members?q=" + people["pseudonym"][:6]).get_data(as_text=True)
    for secret in (people["pseudonym"], "quiet_login_x7", "willow.hidden", "root_login"):
        assert secret not in page


@pytest.mark.parametrize("login, status", [("mod_login", 403), ("filler1", 403), (None, 302)])
def test_only_administrators_see_it(people, make_browser, login, status):
    person = make_browser()
    if login:
        person.login(login)
    response = person.get("/admin/members")
    assert response.status_code == status
    if status == 302:
        assert "/auth/login" in response.headers["Location"]


def test_a_suspension_through_a_pseudonym_does_not_show_on_the_public_handle(
        people, make_browser):
    """A moderator suspends the author of an anonymous post: the page, like every moderation
    page, shows it on that pseudonym only. Were the account's state shown here, one
    administrator would match "suspended the author of ..." in the public log with the one
    public handle that just became suspended, without a second administrator's approval."""
    make_user("june_login", "June Watch", role="moderator")
    moderator = make_browser()
    assert moderator.login("june_login").status_code == 302
    anonymous = people["anonymous"]
    suspended = moderator.submit(f"/mod/posts/{anonymous}",
                                 {"days": "7", "reason": "Threats in a reply"},
                                 action=f"/mod/posts/{anonymous}/suspend")
    assert suspended.status_code == 302
    admin = make_browser()
    admin.login("root_login")
    listed = admin.get("/admin/members?state=suspended").get_data(as_text=True)
    assert handles(listed) == ["Wilbur Stone"]
    willow = admin.get("/admin/members?q=willow").get_data(as_text=True)
    assert handles(willow) == ["Willow Finch"] and "Suspended until" not in willow
    assert "Willow Finch" in admin.get("/admin/members?state=active").get_data(as_text=True)
