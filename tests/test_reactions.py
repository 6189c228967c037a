"""Quiet support (reactions) under stories and posts, and "I lived this too" under stories
(forum/reactions/): through HTTP, as members press the buttons.

Only numbers are ever shown; a pseudonym reacts as its account (counted once); pressing
again takes it back; the writer hears in one notification that counts people; nothing names
who; export and deletion carry it.
"""
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.clock import utcnow
from forum.extensions import db
from forum.models import Notification, Post, PostReaction, Story, StoryReaction, User
from forum.models.reactions import Corroboration
from tests.factories import make_board, make_reply, make_story, make_thread, make_user

PRESSED = re.compile(r'aria-pressed="true"')


@pytest.fixture
def scene(ctx, make_browser):
    """Ada's story about the Fellowship, with a comment by Ben under a pseudonym and one by
    Cleo; Ada's board thread with Ben's reply. Ben, Cleo and Dan are logged in."""
    ada, ben, cleo = make_user("ada", "Ada"), make_user("ben", "Ben"), make_user("cleo", "Cleo")
    make_user("dan", "Dan")
    story = make_story(ada, title="Nine years", group_names=["The Fellowship"])
    masked = make_reply(ben, story.thread, body="I was there, masked.", anonymous=True)
    cleo_post = make_reply(cleo, story.thread, body="Cleo too.")
    board = make_board()
    thread = make_thread(ada, board, title="After", body="Ada asks.")
    ben_reply = make_reply(ben, thread, body="Ben answers, openly.")
    people = {}
    for login in ("ada", "ben", "cleo", "dan"):
        people[login] = make_browser()
        assert people[login].login(login).status_code == 302
    return {"story": story.slug, "story_id": story.id, "masked": masked.public_id,
            "cleo_post": cleo_post.public_id, "ben_reply": ben_reply.public_id,
            "thread": thread.public_id, "pseudonym": masked.handle.name,
            "url": f"/stories/{story.slug}", "thread_url": f"/threads/{thread.public_id}",
            **people}


def press(browser, page, action, on=True):
    return browser.submit(page, {"on": "1" if on else "0"}, action=action)


def story_counts(story_id):
    db.session.rollback()  # a new snapshot (PostgreSQL reads one per transaction)
    story = db.session.get(Story, story_id)
    return story.thanks_count, story.relate_count, story.strength_count, story.lived_count


def post_count(public_id, kind="thanks"):
    db.session.rollback()
    post = db.session.scalar(select(Post).where(Post.public_id == public_id))
    return getattr(post, f"{kind}_count")


def html(browser, url):
    response = browser.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_member_reacts_to_a_story_and_takes_it_back(scene):
    url = scene["url"]
    response = press(scene["dan"], url, f"{url}/react/thanks")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{url}#support")
    assert story_counts(scene["story_id"])[0] == 1
    page = html(scene["dan"], url)
    assert re.search(r'value="0" aria-pressed="true" class="secondary reaction-button">Thank you'
                     r' <span class="reaction-count">1</span>', page), page
    # Another member sees the count, not pressed.
    other = html(scene["cleo"], url)
    assert 'aria-pressed="true"' not in other
    assert 'Thank you <span class="reaction-count">1</span>' in other
    # Pressing again takes it back.
    assert press(scene["dan"], url, f"{url}/react/thanks", on=False).status_code == 303
    assert story_counts(scene["story_id"])[0] == 0
    assert 'aria-pressed="true"' not in html(scene["dan"], url)


def test_a_double_submit_counts_once(scene):
    url = scene["url"]
    for _ in range(2):
        assert press(scene["dan"], url, f"{url}/react/relate").status_code == 303
        assert press(scene["dan"], url, f"{url}/lived-this-too").status_code == 303
        assert press(scene["dan"], scene["thread_url"],
                     f"/posts/{scene['ben_reply']}/react/strength").status_code == 303
    assert story_counts(scene["story_id"]) == (0, 1, 0, 1)
    assert post_count(scene["ben_reply"], "strength") == 1
    assert db.session.scalar(select(func.count()).select_from(StoryReaction)) == 1
    # Taking back twice takes back once.
    for _ in range(2):
        press(scene["dan"], url, f"{url}/react/relate", on=False)
    assert story_counts(scene["story_id"]) == (0, 0, 0, 1)


def test_visitors_see_numbers_and_are_sent_to_log_in(scene, client):
    url = scene["url"]
    press(scene["dan"], url, f"{url}/react/thanks")
    page = client.get(url).get_data(as_text=True)
    assert "Thank you <span class=\"reaction-count\">1</span>" in page
    assert "/react/" not in page
    response = client.post(f"{url}/react/thanks", data={})
    # No token: refused before anything else; with one, the log-in page.
    assert response.status_code in (302, 400)


def test_a_pseudonym_reacts_as_its_account_once(scene):
    """Ben comments under a pseudonym and openly; his reactions under either are his
    account's, counted once, and nothing on the page ties the two."""
    url = scene["url"]
    press(scene["ben"], url, f"{url}/react/thanks")
    press(scene["ben"], url, f"{url}/react/thanks")
    assert story_counts(scene["story_id"])[0] == 1
    press(scene["ben"], url, f"/posts/{scene['cleo_post']}/react/thanks")
    press(scene["ben"], scene["thread_url"], f"/posts/{scene['cleo_post']}/react/thanks")
    assert post_count(scene["cleo_post"]) == 1
    for viewer in ("ada", "cleo", "dan"):
        page = html(scene[viewer], url)
        assert "Ben" not in page.replace(scene["pseudonym"], "")
        assert 'aria-pressed="true"' not in page


def test_nobody_reacts_to_their_own_writing(scene):
    url = scene["url"]
    assert press(scene["ada"], url, f"{url}/react/thanks").status_code == 403
    # Ben's post under his pseudonym is his own too.
    assert press(scene["ben"], url, f"/posts/{scene['masked']}/react/thanks").status_code == 403
    assert story_counts(scene["story_id"])[0] == 0 and post_count(scene["masked"]) == 0
    # Nor are the buttons shown there: not under the story for its author, not under Ben's
    # own post for Ben.
    assert f"{url}/react/" not in html(scene["ada"], url)
    assert f"/posts/{scene['masked']}/react/" not in html(scene["ben"], url)
    assert f"/posts/{scene['masked']}/react/" in html(scene["dan"], url)


def test_unknown_kinds_locked_and_hidden_items_are_refused(scene):
    url = scene["url"]
    assert press(scene["dan"], url, f"{url}/react/haha").status_code == 404
    story = db.session.get(Story, scene["story_id"])
    story.thread.locked_at = utcnow()
    db.session.commit()
    assert press(scene["dan"], url, f"/posts/{scene['cleo_post']}/react/thanks").status_code == 403
    # The story's own support asks nothing of its closed comments.
    assert press(scene["dan"], url, f"{url}/react/thanks").status_code == 303
    story.thread.locked_at = None
    post = db.session.scalar(select(Post).where(Post.public_id == scene["cleo_post"]))
    post.state = "hidden"
    db.session.commit()
    assert press(scene["dan"], url, f"/posts/{scene['cleo_post']}/react/thanks").status_code == 403


def test_a_suspended_member_cannot_react(scene):
    dan = db.session.scalar(select(User).where(User.login_name == "dan"))
    dan.suspended_until = utcnow() + timedelta(days=1)
    db.session.commit()
    url = scene["url"]
    token_page = scene["cleo"]  # Dan's page shows no buttons now; the form is sent anyway
    token = token_page.csrf_token(url)
    response = scene["dan"].client.post(f"{url}/react/thanks", data={"csrf_token": token})
    assert response.status_code in (400, 403)
    assert story_counts(scene["story_id"])[0] == 0


def test_reactions_are_rate_limited(app, scene):
    app.config["REACTION_LIMIT"] = "2 per hour"
    url = scene["url"]
    assert press(scene["dan"], url, f"{url}/react/thanks").status_code == 303
    assert press(scene["dan"], url, f"{url}/react/relate").status_code == 303
    response = press(scene["dan"], url, f"{url}/react/strength")
    assert response.status_code == 429
    assert story_counts(scene["story_id"])[:3] == (1, 1, 0)


def test_the_writer_hears_once_how_many_people_never_who(scene):
    url = scene["url"]
    press(scene["dan"], url, f"{url}/react/thanks")
    press(scene["dan"], url, f"{url}/react/relate")  # the same person: not counted again
    press(scene["cleo"], url, f"{url}/react/strength")
    press(scene["ben"], url, f"{url}/react/thanks")
    press(scene["ben"], url, f"{url}/react/thanks", on=False)  # taking back tells nothing
    db.session.rollback()
    ada = db.session.scalar(select(User).where(User.login_name == "ada"))
    notes = db.session.scalars(select(Notification).where(
        Notification.user_id == ada.id, Notification.kind == "reactions")).all()
    assert [n.tally for n in notes] == [3]
    page = html(scene["ada"], "/notifications")
    assert "3 people gave quiet support to your story “Nine years”" in page
    card = re.search(r'<li class="card notification[^"]*">(?:(?!</li>).)*gave quiet support'
                     r'(?:(?!</li>).)*</li>', page, re.S).group(0)
    for name in ("Dan", "Cleo", "Ben"):
        assert name not in card
    # Once read, the next person starts a new one.
    scene["ada"].submit("/notifications", {}, action="/notifications/read-all")
    press(scene["dan"], url, f"{url}/react/strength")  # Dan had some: not a new person
    page = html(scene["ada"], "/notifications")
    assert page.count("gave quiet support") == 1
    # Ben comes back: a new notice, counting the people who gave support since Ada read the
    # last one (Dan's new kind, and Ben), never those she has already been told of.
    press(scene["ben"], url, f"{url}/react/relate")
    db.session.rollback()
    unread = db.session.scalars(select(Notification.tally).where(
        Notification.user_id == ada.id, Notification.kind == "reactions",
        Notification.read_at.is_(None))).all()
    assert unread == [2]


def test_support_for_a_pseudonymous_post_reaches_its_writer_only(scene):
    url = scene["url"]
    press(scene["dan"], url, f"/posts/{scene['masked']}/react/thanks")
    press(scene["cleo"], url, f"/posts/{scene['masked']}/react/relate")
    db.session.rollback()
    ben = db.session.scalar(select(User).where(User.login_name == "ben"))
    note = db.session.scalar(select(Notification).where(Notification.kind == "reactions"))
    assert note.user_id == ben.id and note.tally == 2
    page = html(scene["ben"], "/notifications")
    assert "2 people gave quiet support to your post in “Nine years”" in page
    assert f"(you wrote there as {scene['pseudonym']})" in page
    for other in ("ada", "cleo", "dan"):
        assert "gave quiet support" not in html(scene[other], "/notifications")


def test_post_counts_show_through_the_kept_trees(scene, client):
    """A reaction renews the kept copies: visitors and members see the new number at once."""
    url = scene["thread_url"]
    client.get(url)
    html(scene["cleo"], url)  # both copies kept
    press(scene["dan"], url, f"/posts/{scene['ben_reply']}/react/thanks")
    visitor = client.get(url).get_data(as_text=True)
    assert 'Thank you <span class="reaction-count">1</span>' in visitor
    member = html(scene["cleo"], url)
    assert 'Thank you <span class="reaction-count">1</span>' in member
    assert 'aria-pressed="true"' not in member
    dan = html(scene["dan"], url)
    assert len(PRESSED.findall(dan)) == 1
    assert (f'/posts/{scene["ben_reply"]}/react/thanks" name="on" value="0" '
            'aria-pressed="true"') in dan


def test_one_readers_pressed_state_never_reaches_another_across_the_cache(scene):
    """Dan presses on the story's comments and the board thread; Cleo, reading the same kept
    copies before and after, never sees a pressed button; Dan sees exactly his."""
    for url, post in ((scene["url"], scene["cleo_post"]), (scene["url"], scene["masked"]),
                      (scene["thread_url"], scene["ben_reply"])):
        html(scene["cleo"], url)
        press(scene["dan"], url, f"/posts/{post}/react/relate")
    for url, mine in ((scene["url"], 2), (scene["thread_url"], 1)):
        for _ in range(2):
            assert len(PRESSED.findall(html(scene["dan"], url))) == mine
            assert not PRESSED.findall(html(scene["cleo"], url))
            assert not PRESSED.findall(html(scene["ben"], url))
    # Cleo's own post: she sees its number, and no buttons under it.
    page = html(scene["cleo"], scene["url"])
    assert f"/posts/{scene['cleo_post']}/react/" not in page
    assert 'I relate <span class="reaction-count">1</span>' in page


def test_the_same_page_uncached_and_cached(app, scene):
    url = scene["url"]
    press(scene["dan"], url, f"/posts/{scene['cleo_post']}/react/thanks")
    press(scene["dan"], url, f"{url}/react/thanks")
    cached = html(scene["dan"], url)
    members = app.extensions["member_tree_cache"]
    kept, members.max_chars = members.max_chars, 0
    try:
        uncached = html(scene["dan"], url)
    finally:
        members.max_chars = kept
    tokens = re.compile(r'(name="(?:csrf_token|started|once)" value=")[^"]*"')
    assert tokens.sub(r"\1X", cached) == tokens.sub(r"\1X", uncached)


# --- "I lived this too" -------------------------------------------------------------------

def test_lived_this_too_is_counted_once_and_names_nobody(scene, client):
    url = scene["url"]
    for who in ("ben", "cleo", "dan"):
        assert press(scene[who], url, f"{url}/lived-this-too").status_code == 303
    press(scene["ben"], url, f"{url}/lived-this-too")
    assert story_counts(scene["story_id"])[3] == 3
    for viewer in (client, scene["ada"], scene["dan"]):
        page = viewer.get(url).get_data(as_text=True)
        assert "3 members say they lived this too." in page
    press(scene["cleo"], url, f"{url}/lived-this-too", on=False)
    page = client.get(url).get_data(as_text=True)
    assert "2 members say they lived this too." in page
    # The author cannot say it of their own story.
    assert press(scene["ada"], url, f"{url}/lived-this-too").status_code == 403


def test_one_lived_this_too_says_it_in_the_singular(scene, client):
    url = scene["url"]
    press(scene["dan"], url, f"{url}/lived-this-too")
    assert "1 member says they lived this too." in client.get(url).get_data(as_text=True)


def test_a_story_without_a_group_does_not_take_it(scene, make_browser):
    ada = db.session.scalar(select(User).where(User.login_name == "ada"))
    story = make_story(ada, title="No group here")
    url = f"/stories/{story.slug}"
    assert "lived-this-too" not in html(scene["dan"], url)
    assert press(scene["dan"], url, f"{url}/lived-this-too").status_code == 403


def test_the_author_turns_it_off_and_on(scene, client):
    url = scene["url"]
    press(scene["dan"], url, f"{url}/lived-this-too")
    assert press(scene["ada"], url, f"{url}/lived-this-too/setting", on=False).status_code == 303
    for viewer in (client, scene["cleo"], scene["ada"]):
        page = viewer.get(url).get_data(as_text=True)
        assert "lived this too." not in page
        assert f'action="{url}/lived-this-too"' not in page
    # Nobody adds one while it is off; Dan's is kept, and his to take back.
    assert press(scene["cleo"], url, f"{url}/lived-this-too").status_code == 403
    assert story_counts(scene["story_id"])[3] == 1
    assert "Take mine back" in html(scene["dan"], url)
    # Others cannot change the setting.
    assert press(scene["dan"], url, f"{url}/lived-this-too/setting").status_code == 403
    assert press(scene["ada"], url, f"{url}/lived-this-too/setting").status_code == 303
    assert "1 member says they lived this too." in client.get(url).get_data(as_text=True)


def _support_section(page: str) -> str:
    start = page.find('<section class="support"')
    return page[start:page.index("</section>", start)] if start >= 0 else ""


def test_the_kept_support_section_is_the_one_rendered_afresh(app, scene, client):
    """forum/reactions/support.py keeps the section per its values: for a visitor, the author,
    a member who pressed two kinds and said "I lived this too", one who pressed nothing, and
    with it turned off, it is byte for byte the section rendered afresh (tokens aside), each
    reader's own presses and token only ever on their own page."""
    url = scene["url"]
    press(scene["dan"], url, f"{url}/react/thanks")
    press(scene["dan"], url, f"{url}/react/strength")
    press(scene["dan"], url, f"{url}/lived-this-too")
    kept = app.extensions["frame_cache"]
    tokens = re.compile(r'(name="(?:csrf_token|once)" value=")[^"]*"')
    readers = {"visitor": client, "ada": scene["ada"], "dan": scene["dan"], "cleo": scene["cleo"]}

    def compare(when):
        for who, viewer in readers.items():
            kept.max_chars = 0
            fresh = _support_section(viewer.get(url).get_data(as_text=True))
            kept.max_chars = 1_000_000
            viewer.get(url)
            page = viewer.get(url).get_data(as_text=True)
            section = _support_section(page)
            assert tokens.sub(r"\1X", section) == tokens.sub(r"\1X", fresh), (when, who)
            assert section, (when, who)
            if who != "visitor":  # the reader's own token, the one the page's header carries
                own = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
                assert set(re.findall(r'name="csrf_token" value="([^"]+)"', section)) == {own}
            pressed = len(PRESSED.findall(section))
            # Dan's two kinds, and his "lived this too" while it is on.
            assert pressed == ({"on": 3, "off": 2}[when] if who == "dan" else 0), (when, who)

    compare("on")
    assert press(scene["ada"], url, f"{url}/lived-this-too/setting", on=False).status_code == 303
    compare("off")
    assert "Take mine back" in _support_section(html(scene["dan"], url))
    assert "Take mine back" not in _support_section(html(scene["cleo"], url))


def test_the_support_section_reads_only_what_its_key_holds(app):
    """The kept section's template is given one namespace, `s`, whose every value is in the
    key: it may read that and the site's globals, nothing of the page or the reader."""
    from jinja2 import meta, nodes
    env = app.jinja_env
    tree = env.parse(env.loader.get_source(env, "reactions/_support.html")[0])
    stored = {node.name for node in tree.find_all(nodes.Name) if node.ctx in ("store", "param")}
    asked = meta.find_undeclared_variables(tree) - stored
    assert asked == {"s"}, asked  # (the environment's globals are not counted)


# --- export and deletion ----------------------------------------------------------------

def test_export_holds_ones_reactions_and_lived_this_too(scene):
    url = scene["url"]
    press(scene["dan"], url, f"{url}/react/thanks")
    press(scene["dan"], url, f"/posts/{scene['masked']}/react/strength")
    press(scene["dan"], url, f"{url}/lived-this-too")
    token = scene["dan"].csrf_token("/settings")
    response = scene["dan"].client.post("/settings/export", data={"csrf_token": token})
    assert response.status_code == 200, response.status_code
    data = json.loads(response.get_data(as_text=True))
    kinds = sorted((r.get("story_id") is not None, r["kind"]) for r in data["reactions"])
    assert kinds == [(False, "strength"), (True, "thanks")]
    assert [r["story_title"] for r in data["lived_this_too"]] == ["Nine years"]
    # Cleo's export holds none of Dan's.
    token = scene["cleo"].csrf_token("/settings")
    other = json.loads(scene["cleo"].client.post("/settings/export", data={"csrf_token": token})
                       .get_data(as_text=True))
    assert other["reactions"] == [] and other["lived_this_too"] == []


def test_deleting_the_account_takes_its_support_and_the_counts_drop(scene, client):
    url = scene["url"]
    press(scene["dan"], url, f"{url}/react/thanks")
    press(scene["dan"], url, f"/posts/{scene['cleo_post']}/react/thanks")
    press(scene["dan"], url, f"{url}/lived-this-too")
    press(scene["cleo"], url, f"{url}/react/thanks")
    client.get(url)  # the visitors' copy is kept with Dan's number in it
    response = scene["dan"].submit("/settings/delete", {
        "writing": "keep", "current_password": "correct horse battery"})
    assert response.status_code == 302, response.status_code
    db.session.rollback()
    assert db.session.scalar(select(User.id).where(User.login_name == "dan")) is None
    assert story_counts(scene["story_id"]) == (1, 0, 0, 0)
    assert post_count(scene["cleo_post"]) == 0
    for model in (PostReaction, Corroboration):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0
    page = client.get(url).get_data(as_text=True)
    assert "lived this too." not in page
    assert f'data-reaction="p{scene["cleo_post"]}' not in page
    assert 'reaction-count">1<' in page  # Cleo's own thanks under the story


# --- what it costs a page ---------------------------------------------------------------

def _supporters(n: int) -> list[User]:
    """`n` accounts made as rows (no password hashing: nobody logs in as them)."""
    users = [User(login_name=f"supporter{i}", password_hash="-", role="member", bio="",
                  created_at=utcnow()) for i in range(n)]
    db.session.add_all(users)
    db.session.flush()
    return users


@pytest.mark.parametrize("given", [0, 1, 50])
def test_pages_cost_the_same_statements_whatever_the_support(app, ctx, make_browser,
                                                             count_queries, given):
    """A story page and a thread page, for a visitor and for a member who pressed some of it
    (and for one who pressed none): the same statements with 0, 1 or 50 people's support.
    The numbers are read with the story and the posts; what the member pressed comes with
    the story's own statement and with the query for their own posts on the page."""
    writer, reader = make_user("writer", "Writer"), make_user("reader", "Reader")
    make_user("other", "Other")
    story = make_story(writer, title="Counted", group_names=["The Fellowship"])
    comments = [make_reply(writer, story.thread, body=f"Comment {i}.") for i in range(5)]
    thread = make_thread(writer, make_board(), title="Counted too", body="First.")
    replies = [make_reply(writer, thread, body=f"Reply {i}.") for i in range(5)]
    people = _supporters(given - 1) + [reader] if given else []
    now = utcnow()
    for person in people:
        db.session.add(StoryReaction(user_id=person.id, story_id=story.id, kind="thanks",
                                     created_at=now))
        db.session.add(Corroboration(user_id=person.id, story_id=story.id, created_at=now))
        for post in comments + replies:
            db.session.add(PostReaction(user_id=person.id, post_id=post.id, kind="relate",
                                        created_at=now))
    story.thanks_count = story.lived_count = len(people)
    for post in comments + replies:
        post.relate_count = len(people)
    db.session.commit()
    urls = {"story": f"/stories/{story.slug}", "thread": f"/threads/{thread.public_id}"}
    browsers = {"visitor": make_browser(), "reader": make_browser(), "other": make_browser()}
    for login in ("reader", "other"):
        assert browsers[login].login(login).status_code == 302
    for who, browser in browsers.items():
        for name, url in urls.items():
            browser.get(url)  # the first request of a process fills its caches
            with count_queries() as statements:
                page = browser.get(url).get_data(as_text=True)
            # A visitor: the story or thread (the tree's copy is kept). A member: their
            # account, the story or thread, their own posts and pressed buttons on the page.
            assert len(statements) == (1 if who == "visitor" else 3), (who, name, statements)
            pressed = page.count('aria-pressed="true"')
            if who == "reader" and given:
                assert pressed == (7 if name == "story" else 5), (name, pressed)
            else:
                assert pressed == 0, (who, name)
            if given:
                assert f'I relate <span class="reaction-count">{given}</span>' in page


def test_no_page_lists_who_reacted(app):
    """The reactions blueprint takes presses only: it has no page to read at all."""
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("reactions.")]
    assert len(rules) == 4
    assert all(rule.methods - {"OPTIONS"} == {"POST"} for rule in rules)


# --- two requests racing ------------------------------------------------------------------

def test_the_same_member_racing_from_two_tabs_counts_once(app, scene, make_browser):
    """Dan presses the same button from two logged-in browsers at the same moment, each
    request in its own thread with its own connection (on PostgreSQL, with TEST_DATABASE_URL,
    the second INSERT waits on the first's key and then adds nothing), ten times on and
    off: the numbers always equal the rows, and a press counts once."""
    import threading

    url = scene["url"]
    tabs = [scene["dan"], make_browser()]
    assert tabs[1].login("dan").status_code == 302
    tokens = [tab.csrf_token(url) for tab in tabs]
    actions = [f"{url}/react/thanks", f"/posts/{scene['cleo_post']}/react/thanks",
               f"{url}/lived-this-too"]
    for round_ in range(10):
        on = "1" if round_ % 2 == 0 else "0"
        for action in actions:
            barrier = threading.Barrier(2)
            statuses = []

            def send(tab, token):
                barrier.wait()
                statuses.append(tab.client.post(action, data={"on": on, "csrf_token": token})
                                .status_code)

            threads = [threading.Thread(target=send, args=(tab, token))
                       for tab, token in zip(tabs, tokens)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert statuses == [303, 303], (action, statuses)
        expected = 1 if on == "1" else 0
        thanks, _, _, lived = story_counts(scene["story_id"])
        assert (thanks, lived, post_count(scene["cleo_post"])) == (expected,) * 3
        assert db.session.scalar(select(func.count()).select_from(StoryReaction)) == expected
        assert db.session.scalar(select(func.count()).select_from(PostReaction)) == expected
        assert db.session.scalar(select(func.count()).select_from(Corroboration)) == expected
    db.session.rollback()
    # Cleo and Ada each hear of one person, however often he pressed and took it back.
    tallies = db.session.scalars(select(Notification.tally).where(
        Notification.kind == "reactions")).all()
    assert tallies == [1, 1]


def test_different_members_racing_are_each_counted(app, scene):
    """Ben, Cleo and Dan press the same button at the same moment: each one counted, and the
    writer's one notification counts three people."""
    import threading

    url = scene["url"]
    people = [scene[who] for who in ("ben", "cleo", "dan")]
    tokens = [person.csrf_token(url) for person in people]
    barrier = threading.Barrier(len(people))
    statuses = []

    def send(person, token):
        barrier.wait()
        statuses.append(person.client.post(f"{url}/react/relate",
                                           data={"csrf_token": token}).status_code)

    threads = [threading.Thread(target=send, args=pair) for pair in zip(people, tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303] * 3
    assert story_counts(scene["story_id"])[1] == 3
    tallies = db.session.scalars(select(Notification.tally).where(
        Notification.kind == "reactions")).all()
    # Started by whichever came first; the others counted into it (two may have started one
    # each when they met before either had committed: never more than one per person).
    assert sum(tallies) >= 3 and len(tallies) <= 3


def test_the_buttons_under_posts_share_one_form(scene):
    """Support and bookmark buttons under every post name one form of the page (form=):
    the page's tokens and forms do not grow with its posts (four forms a post had doubled a
    member's 100-post page)."""
    url = scene["thread_url"]

    def counts():
        page = html(scene["dan"], url)
        return (page.count('name="csrf_token"'), page.count("<form"),
                page.count('form="post-actions"'))

    before = counts()
    thread = db.session.scalar(select(Post).where(Post.public_id == scene["ben_reply"])).thread
    ben = db.session.scalar(select(User).where(User.login_name == "ben"))
    for i in range(5):
        make_reply(ben, thread, body=f"More from Ben, {i}.")
    after = counts()
    assert after[:2] == before[:2]
    assert after[2] == before[2] + 5 * 4  # three kinds of support and a bookmark each
