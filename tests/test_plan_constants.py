"""Constants that PostgreSQL's plan for a prepared statement must see: written into the SQL
text, not bound as parameters. psycopg prepares a statement run often; PostgreSQL then keeps
one plan for it whatever the parameters (a generic plan) when that plan looks no dearer. Bound
as a parameter, the story state made the group page's generic plan read every published story
of the site by date (1.5 ms of the database's time against 0.2 at 1M posts), and the home
page's LIMIT made every plan look dear, so its thread list was planned again on every request
(0.47 ms against 0.09 to run it). bench/RESULTS.md has the figures."""
import re

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from forum.extensions import db
from forum.pages import routes as pages
from forum.profiles import listings
from forum.permissions import bound_board_reader
from forum.stories import routes as stories
from forum.stories.listed import published_stories
from tests.test_posting import _board_thread


def sql(statement) -> str:
    return str(statement.compile(dialect=postgresql.dialect()))


def test_the_group_pages_story_ids_name_the_state_in_the_sql(app):
    text = sql(stories._group_stories_statement())
    assert "stories.state = 'published'" in text
    assert "%(group_id)s" in text  # the group stays a parameter


def test_published_stories_name_the_state_in_the_sql(app):
    assert "stories.state = 'published'" in sql(published_stories())


def test_the_home_pages_lists_have_their_limit_in_the_sql(app):
    reader, _ = bound_board_reader(None)  # a visitor
    for statement in (pages._latest_stories(), pages._active_threads(reader)):
        assert sql(statement).rstrip().endswith(f"LIMIT {pages.HOME_ITEMS}")


def test_the_story_pages_statement_has_its_limit_in_the_sql(app):
    """"More from this group" (forum/stories/more.py): bound, its LIMIT made every plan of
    the story page's statement look dear, so PostgreSQL planned it again on every request
    (1.9 ms against 0.8 with the kept plan at 1M posts)."""
    from forum.stories.more import MORE_STORIES
    text_ = sql(stories._story_statement("postgresql"))
    assert f"LIMIT {MORE_STORIES})" in text_
    assert "LIMIT %(" not in text_ and "%(slug)s" in text_


def test_replies_run_the_kept_plan_of_the_writers_checks(person, app, ctx):
    """The busiest write: PostgreSQL runs its checks statement (forum/posting/replies.py,
    _ask: the writer's handle, the new id, the review count, the duplicate check) with the
    plan it keeps, not planning it again for each post (1.3 ms a post against 0.5 at 1M
    posts). psycopg prepares it from its fifth run; from then on every run is counted in
    pg_prepared_statements, as a generic (kept) or a custom plan."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL's plans")
    thread_id = _board_thread(app)
    person.register("writer")
    token = person.csrf_token(f"/threads/{thread_id}/reply")
    # As in production: repeats refused, a new member's first writing reviewed (the first
    # reply, sent with review off, is the one approved writing this writer needs).
    person.client.post(f"/threads/{thread_id}/reply", data={"body": "One", "csrf_token": token})
    app.config.update(DUPLICATE_WINDOW=10, APPROVE_FIRST_POSTS=1)
    for n in range(12):
        r = person.client.post(f"/threads/{thread_id}/reply",
                               data={"body": f"Reply number {n}", "csrf_token": token})
        assert r.status_code == 302, r.status_code
    # One request at a time: the pool's one connection served every reply, and this look.
    plans = db.session.execute(text(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
        "WHERE statement LIKE '%nextval(pg_get_serial_sequence%'")).all()
    assert len(plans) == 1, plans
    generic, custom = plans[0]
    assert custom == 0 and generic >= 6, plans
    # And nothing of it outlives the posting transaction: a page read plans as it likes.
    assert db.session.scalar(text("SHOW plan_cache_mode")) == "auto"


def test_the_profiles_handle_lookup_names_the_public_kind_in_the_sql(app):
    """As the unique index on public name keys does (WHERE kind = 'public'): the kept plan
    can use the index only then (bound, it read every handle: 6 ms at 1M posts)."""
    text_ = sql(listings._handle_statement())
    assert "handles.kind = 'public'" in text_
    assert "%(name_key)s" in text_ and "%(name)s" in text_  # the name stays a parameter


def test_the_kept_plan_of_the_handle_lookup_reads_the_index(app, ctx):
    """On PostgreSQL, the plan kept for the profile's handle lookup (its generic plan, made
    without the values) finds the handle through the unique index on public name keys. The
    table is small here, so reading it whole is made dear (enable_seqscan off) to see which
    plans the statement allows: with the kind bound, none with that index."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL's plans")
    names = []

    def numbered(match):
        names.append(match.group(1)) if match.group(1) not in names else None
        return f"${names.index(match.group(1)) + 1}"

    statement = re.sub(r"%\((\w+)\)s", numbered, sql(listings._handle_statement()))
    db.session.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    db.session.execute(text(f"PREPARE handle_lookup AS {statement}"))
    try:
        plan = "\n".join(db.session.scalars(text(
            "EXPLAIN EXECUTE handle_lookup(" + ", ".join("'x'" for _ in names) + ")")))
    finally:
        db.session.execute(text("DEALLOCATE handle_lookup"))
        db.session.rollback()
    assert "uq_handles_public_name_key" in plan, plan
