"""Boards and discussion threads: the same post tree and posting path as story comments."""
import re

import pytest

from forum.clock import utcnow
from forum.extensions import db
from tests.factories import make_board, make_reply, make_thread, make_user


@pytest.fixture
def board(ctx):
    return make_board("Just left").slug


def test_start_thread_reply_nested_and_read_as_visitor(person, make_browser, client, board):
    person.register("starter", handle="Ines")
    r = person.submit(f"/boards/{board}/new", {"title": "First week outside", "body": "Everything is loud."})
    assert r.status_code == 302
    url = r.headers["Location"]
    thread_id = re.search(r"/threads/([a-z0-9]+)", url).group(1)
    other = make_browser()
    other.register("other", handle="Tomas")
    page = other.get(url).get_data(as_text=True)
    first = re.search(r'id="p([a-z0-9]+)"', page).group(1)
    r = other.submit(f"/threads/{thread_id}/reply?to={first}", {"body": "It gets quieter.", "parent_id": first})
    assert r.status_code == 302
    second = r.headers["Location"].rsplit("#p", 1)[1]
    r = person.submit(f"/threads/{thread_id}/reply?to={second}", {"body": "Thank you.", "parent_id": second})
    assert r.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "First week outside" in page and "3 posts" in page
    assert 'class="post depth-1' in page and 'class="post depth-2' in page
    assert page.index("Everything is loud.") < page.index("It gets quieter.") < page.index("Thank you.")
    assert "replying to" in page
    board_page = client.get(f"/boards/{board}").get_data(as_text=True)
    assert "First week outside" in board_page and "started by" in board_page


def test_board_lists_pinned_first_then_latest_activity(ctx, client, board):
    user = make_user()
    from forum.models import Board
    b = db.session.scalar(db.select(Board).where(Board.slug == board))
    old = make_thread(user, b, title="Old but pinned")
    old.pinned = True
    quiet = make_thread(user, b, title="Quiet thread")
    make_thread(user, b, title="Busy thread")
    make_reply(user, quiet, None, body="bump", now=utcnow())
    db.session.commit()
    page = client.get(f"/boards/{board}").get_data(as_text=True)
    assert page.index("Old but pinned") < page.index("Quiet thread") < page.index("Busy thread")


@pytest.mark.parametrize("size", [5, 200])
def test_thread_page_query_count_is_constant(ctx, client, count_queries, board, size):
    from forum.models import Board
    user = make_user()
    thread = make_thread(user, db.session.scalar(db.select(Board)), title="Big")
    parent = None
    for i in range(size):
        parent = make_reply(user, thread, parent if i % 4 else None, body=f"reply {i}")
    thread_id = thread.public_id
    with count_queries() as statements:
        assert client.get(f"/threads/{thread_id}").status_code == 200
    assert len(statements) == 2, statements


def test_thread_paginates_by_path(app, ctx, client, board):
    from forum.models import Board
    app.config["POSTS_PER_PAGE"] = 3
    user = make_user()
    thread = make_thread(user, db.session.scalar(db.select(Board)), title="Paged", body="post 0")
    for i in range(1, 6):
        make_reply(user, thread, None, body=f"post {i}")
    thread_id = thread.public_id
    page = client.get(f"/threads/{thread_id}").get_data(as_text=True)
    assert "post 2" in page and "post 3" not in page
    nxt = re.search(r'href="(/threads/[a-z0-9]+\?after=[a-z0-9]+)"', page).group(1)
    page2 = client.get(nxt).get_data(as_text=True)
    assert "post 3" in page2 and "post 5" in page2 and "post 2" not in page2


def test_unknown_and_absurd_ids(client):
    assert client.get("/threads/999999").status_code == 404
    assert client.get("/threads/99999999999999999999999").status_code == 404
    assert client.get("/threads/zzzzzzzzzzzz").status_code == 404
    assert client.get("/boards/nope").status_code == 404


def test_old_addresses_past_the_32_bit_id_bound_are_404(client):
    # One URL converter holds the bound for every route of before public ids.
    for path in ("/threads/2147483648", "/posts/2147483648", "/feeds/threads/2147483648.atom",
                 "/threads/2147483648?after=5", "/posts/１"):
        assert client.get(path).status_code == 404, path


def test_post_permalink_finds_its_page(app, ctx, client, board):
    from forum.models import Board
    app.config["POSTS_PER_PAGE"] = 2
    user = make_user()
    thread = make_thread(user, db.session.scalar(db.select(Board)), title="Permalinks")
    posts = [make_reply(user, thread, None, body=f"reply {i}") for i in range(4)]
    last_id = posts[-1].public_id
    r = client.get(f"/posts/{last_id}")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"#p{last_id}")
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "reply 3" in page and "reply 0" not in page
    assert client.get("/posts/424242").status_code == 404
    assert client.get("/posts/zzzzzzzzzzzz").status_code == 404
