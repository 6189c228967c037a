"""The test fixtures themselves: `ctx` keeps requests as isolated as in production, and every
test starts from empty tables whatever the test before it left behind."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import User
from tests.conftest import empty_tables
from tests.factories import make_board, make_reply, make_story, make_thread, make_user


def table_counts() -> dict[str, int]:
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def test_a_request_does_not_see_what_the_test_has_not_committed(ctx, client):
    user = make_user("wren", "Wren Hale")
    user.bio = "Committed words."
    db.session.commit()
    user.bio = "Unsaved words."
    db.session.flush()  # in the test's transaction, not committed

    page = client.get("/u/Wren Hale").get_data(as_text=True)

    assert "Committed words." in page
    assert "Unsaved words." not in page


def test_an_object_read_before_a_request_is_fresh_after_it(ctx, person):
    user = make_user("wren", "Wren Hale")
    assert user.bio == ""
    assert person.login("wren").status_code == 302

    response = person.submit("/settings", {"handle": "Wren Hale", "bio": "Saved by a request."},
                             action="/settings/profile")

    assert response.status_code == 302
    assert user.bio == "Saved by a request."


def test_each_request_has_its_own_session(ctx, client, app):
    sessions = []
    app.before_request(lambda: sessions.append(db.session()))
    client.get("/")
    client.get("/")
    assert len({id(s) for s in sessions}) == 2
    assert db.session() not in sessions


def test_an_object_read_before_a_command_is_fresh_after_it(ctx, app):
    user = make_user("wren", "Wren Hale")
    assert user.role == "member"

    result = app.test_cli_runner().invoke(args=["users", "set-role", "wren", "moderator"])

    assert result.exit_code == 0, result.output
    assert user.role == "moderator"


@pytest.mark.parametrize("turn", ["first", "second"])
def test_a_test_starts_with_every_table_empty(ctx, turn):
    """Run in order on one worker, the second turn finds what the first left: nothing."""
    assert set(table_counts().values()) == {0}
    author = make_user()
    story = make_story(author)
    make_reply(author, story.thread)
    make_reply(author, make_thread(author, make_board()))


def test_emptying_leaves_every_table_empty(ctx, app):
    author = make_user(role="moderator")
    story = make_story(author)
    make_reply(author, story.thread)
    make_reply(author, make_thread(author, make_board()))
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    db.session.commit()
    db.session.close()

    empty_tables(app)

    assert set(table_counts().values()) == {0}
