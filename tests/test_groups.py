"""Curated groups: a member's new group waits for a moderator, shown only with its story;
moderators accept, refuse, rename, give other names and merge; an other name finds the group."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Follow, Group, Story, User
from tests.factories import make_story, make_user

PROPOSAL = "Circle of the Quiet Lamp"


@pytest.fixture
def people(ctx, make_browser):
    make_user("maren", "Maren")
    make_user("june", "June", role="moderator")
    browsers = {}
    for login in ("maren", "june"):
        browsers[login] = make_browser()
        assert browsers[login].login(login).status_code == 302
    return browsers


def write(person, title, new_group="", groups=()):
    r = person.submit("/stories/new", {"title": title, "body": "Words of my own.",
                                       "new_group": new_group, "groups": list(groups)})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    return r.headers["Location"]


def curate(person, slug, action, **data):
    return person.submit("/mod/groups/", data, action=f"/mod/groups/{slug}/{action}")


def text(response) -> str:
    return response.get_data(as_text=True)


def test_a_members_new_group_is_shown_only_with_its_story_until_accepted(people, client):
    story_url = write(people["maren"], "Out of the lamp room", PROPOSAL)
    assert f"{PROPOSAL} <span class=\"muted\">(proposed)</span>" in text(client.get(story_url))
    for url in ("/groups/", "/sitemap.xml", "/feeds/stories.atom", "/search?q=quiet+lamp"):
        assert PROPOSAL not in text(client.get(url)), url
    assert client.get("/groups/circle-of-the-quiet-lamp").status_code == 404
    assert client.get("/feeds/groups/circle-of-the-quiet-lamp.atom").status_code == 404
    # The moderators see it waiting, with the story that named it.
    queue = text(people["june"].get("/mod/groups/"))
    assert PROPOSAL in queue and "Out of the lamp room" in queue
    # Accepted under a tidier name: listed, with its story, and in the public log.
    r = curate(people["june"], "circle-of-the-quiet-lamp", "accept", name="Quiet Lamp Circle")
    assert r.status_code == 302
    groups = text(client.get("/groups/"))
    assert "Quiet Lamp Circle" in groups and "1 story" in groups
    assert "Out of the lamp room" in text(client.get("/groups/circle-of-the-quiet-lamp"))
    assert "accepted" in text(client.get("/mod/log")) and "Quiet Lamp Circle" in text(
        client.get("/mod/log"))


def test_the_writer_keeps_her_proposal_when_she_edits_the_story(people, client, ctx):
    story_url = write(people["maren"], "Still proposing", PROPOSAL)
    edit = text(people["maren"].get(story_url + "/edit"))
    assert re.search(rf'<input checked[^>]*value="{PROPOSAL}"', edit)
    page = people["maren"].get(story_url + "/edit")
    assert page.status_code == 200
    r = people["maren"].submit(story_url + "/edit", {
        "title": "Still proposing", "body": "Words, changed.", "groups": [PROPOSAL]})
    assert r.status_code == 302
    story = db_story(story_url)
    assert [g.name for g in story.groups] == [PROPOSAL]


def db_story(url: str) -> Story:
    from forum.extensions import db
    return db.session.scalar(select(Story).where(Story.slug == url.rsplit("/", 1)[1]))


def test_a_refused_proposal_leaves_the_story_and_is_not_named_in_the_log(people, client, ctx):
    story_url = write(people["maren"], "A story with a bad tag", "Totally Real Group 123")
    r = curate(people["june"], "totally-real-group-123", "refuse", reason="Not a group.")
    assert r.status_code == 302
    assert "Totally Real Group" not in text(client.get(story_url))
    log = text(client.get("/mod/log"))
    assert "refused a proposed group" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", log))
    assert "Totally Real Group" not in log
    # The same spelling is not proposed again.
    write(people["maren"], "Again", "Totally Real Group 123")
    assert "Totally Real Group" not in text(people["june"].get("/mod/groups/"))


def test_another_name_finds_the_group_in_search_and_in_the_story_form(people, client, ctx):
    make_story(User.query.filter_by(login_name="june").one(), title="Harvest years",
               group_names=["Harvest Light"])
    assert curate(people["june"], "harvest-light", "names",
                  other_name="The Lamp Fellowship").status_code == 302
    found = text(client.get("/search?q=lamp+fellowship"))
    assert "Harvest Light" in found and "also known as The Lamp Fellowship" in found
    assert "Also known as: The Lamp Fellowship" in text(client.get("/groups/harvest-light"))
    # A member who types the other name tags the group itself: nothing new to propose.
    story_url = write(people["maren"], "Under the lamp", "the lamp fellowship")
    assert [g.slug for g in db_story(story_url).groups] == ["harvest-light"]
    assert "No group is waiting." in text(people["june"].get("/mod/groups/"))


def test_a_renamed_group_keeps_its_address_and_its_old_name_finds_it(people, client, ctx):
    make_story(User.query.filter_by(login_name="june").one(), title="Old days",
               group_names=["Harvest Light"])
    assert curate(people["june"], "harvest-light", "rename",
                  name="Harvest Light International").status_code == 302
    page = text(client.get("/groups/harvest-light"))
    assert "<h1>Harvest Light International</h1>" in page and "Formerly: Harvest Light" in page
    assert "Harvest Light International" in text(client.get("/search?q=harvest+light"))


def test_merging_moves_the_stories_followers_and_names(people, client, ctx):
    june = User.query.filter_by(login_name="june").one()
    make_story(june, title="Told as the Fellowship", group_names=["The Fellowship"])
    make_story(june, title="Told as the Family", group_names=["The Family Network"])
    followed = people["maren"].submit("/groups/the-fellowship", {"follow": "1"},
                                      action="/groups/the-fellowship/follow")
    assert followed.status_code == 302, text(followed)[-500:]
    assert curate(people["june"], "the-fellowship", "merge",
                  into="the-family-network").status_code == 302
    page = text(client.get("/groups/the-family-network"))
    assert "Told as the Fellowship" in page and "Told as the Family" in page
    assert "Also known as: The Fellowship" in page
    old = client.get("/groups/the-fellowship")
    assert old.status_code == 301 and old.headers["Location"].endswith("/groups/the-family-network")
    groups = text(client.get("/groups/"))
    assert "2 stories" in groups and ">The Fellowship<" not in groups
    from forum.extensions import db
    family = db.session.scalar(select(Group).where(Group.slug == "the-family-network"))
    assert db.session.scalars(select(Follow.group_id).where(Follow.group_id.is_not(None))).all() \
        == [family.id]


def test_a_refused_decision_keeps_what_was_typed(people, ctx):
    make_story(User.query.filter_by(login_name="june").one(), title="One",
               group_names=["Harvest Light"])
    write(people["maren"], "Two", PROPOSAL)
    r = curate(people["june"], "circle-of-the-quiet-lamp", "accept", name="harvest light")
    assert r.status_code == 400
    page = text(r)
    assert "already answers to that name" in page and 'value="harvest light"' in page


@pytest.mark.parametrize("who, status", [("maren", 403), (None, 302)])
def test_only_moderators_curate(people, make_browser, who, status):
    person = people[who] if who else make_browser()
    assert person.get("/mod/groups/").status_code == status


def test_the_demo_has_a_proposal_waiting_and_a_group_with_other_names(app, ctx, make_browser,
                                                                      client):
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    june = make_browser()
    assert june.login("june_mod", "afterward-demo-2024").status_code == 302
    queue = text(june.get("/mod/groups/"))
    assert "Kingdom Family Homes" in queue and "Choosing my own clothes" in queue
    found = text(client.get("/search?q=new+dawn"))
    assert "Harvest Light Assembly" in found and "also known as New Dawn Outreach" in found


def test_the_groups_page_costs_the_same_however_many_groups(people, ctx, count_queries):
    june = User.query.filter_by(login_name="june").one()

    def cost() -> int:
        people["june"].get("/mod/groups/")  # warm
        with count_queries() as statements:
            assert people["june"].get("/mod/groups/").status_code == 200
        return len(statements)
    make_story(june, title="First", group_names=["Harvest Light"])
    write(people["maren"], "Proposing", PROPOSAL)
    few = cost()
    for n in range(4):
        make_story(june, title=f"More {n}", group_names=[f"Group {n}"])
        curate(people["june"], f"group-{n}", "names", other_name=f"Other name {n}")
        write(people["maren"], f"Proposing {n}", f"Proposal {n}")
    assert cost() == few


def _story_list(page: str) -> str:
    return re.search(r'<ul class="story-list">.*?</ul>', page, re.S).group(0)


def test_a_group_lists_its_stories_exactly_as_the_story_index_does(ctx, make_browser):
    """The group page reads its stories as plain rows; its list is the index's markup, for
    a visitor, the writer (their "you", also beside their pseudonym) and another member:
    profile links for public names only, warnings by their labels, kept-out stories."""
    writer, other = make_user("writer", "Writer"), make_user("reader", "Reader")
    start = datetime(2025, 3, 1)
    make_story(writer, title="Public one", summary="In my name.", group_names=["Harbor"],
               warnings=["suicide", "my own words"], now=start)
    make_story(writer, title="Under a pseudonym", anonymous=True, group_names=["Harbor"],
               now=start + timedelta(days=1))
    make_story(other, title="Kept out", noindex=True, group_names=["Harbor"],
               now=start + timedelta(days=2))
    for login in (None, "writer", "reader"):
        person = make_browser()
        if login:
            person.login(login)
        group = person.get("/groups/harbor").get_data(as_text=True)
        index = person.get("/stories/").get_data(as_text=True)
        listed = _story_list(group)
        assert listed == _story_list(index).replace("<h2", "<h3").replace("</h2>", "</h3>")
        assert 'href="/u/Writer"' in listed and "Content warnings: Suicide, my own words" in listed
        assert 'rel="nofollow"' in listed and "data-nosnippet" in listed
        assert listed.count('class="badge">you<') == (2 if login == "writer" else
                                                       1 if login == "reader" else 0)


def test_a_group_page_lists_its_published_stories_newest_first_page_by_page(ctx, app, client):
    """The page picks its stories' ids from indexes and reads those rows only: the order, the
    pages, what is left out (another group's story, a draft, a hidden one) and the cursor
    are the list's all the same."""
    app.config["ITEMS_PER_PAGE"] = 3
    maren = make_user("maren", "Maren")
    start = datetime(2026, 1, 1)
    titles = []
    for n in range(7):
        make_story(maren, title=f"Fellowship story {n}", group_names=["The Fellowship"],
                   now=start + timedelta(days=n))
        titles.append(f"Fellowship story {n}")
    make_story(maren, title="Another group's story", group_names=["The Lamp"],
               now=start + timedelta(days=3, hours=1))
    make_story(maren, title="Fellowship draft", group_names=["The Fellowship"], draft=True,
               now=start + timedelta(days=8))
    hidden = make_story(maren, title="Fellowship hidden", group_names=["The Fellowship"],
                        now=start + timedelta(days=9))
    hidden.state = "hidden"
    db.session.commit()
    seen, url, cursors = [], "/groups/the-fellowship", []
    while url:
        page = text(client.get(url))
        seen.append(re.findall(r"Fellowship story \d", page))
        assert not {"Another group", "Fellowship draft", "Fellowship hidden"} & set(
            re.findall(r"Another group|Fellowship draft|Fellowship hidden", page))
        more = re.search(r'href="(/groups/the-fellowship\?after=[^"]+)"', page)
        url = more.group(1).replace("&amp;", "&") if more else None
        if more:
            cursors.append(url.split("after=")[1])
    assert seen == [titles[6:3:-1], titles[3:0:-1], titles[0:1]]
    # A cursor names an item of this very list: the other group's story is no cursor here.
    other = db.session.scalar(select(Story.public_id).where(Story.title == "Another group's story"))
    assert client.get(f"/groups/the-fellowship?after={other}").status_code == 404
    assert client.get(f"/groups/the-lamp?after={cursors[0]}").status_code == 404
