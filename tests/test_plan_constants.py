"""Constants that PostgreSQL's plan for a prepared statement must see: written into the SQL
text, not bound as parameters. psycopg prepares a statement run often; PostgreSQL then keeps
one plan for it whatever the parameters (a generic plan) when that plan looks no dearer. Bound
as a parameter, the story state made the group page's generic plan read every published story
of the site by date (1.5 ms of the database's time against 0.2 at 1M posts), and the home
page's LIMIT made every plan look dear, so its thread list was planned again on every request
(0.47 ms against 0.09 to run it). bench/RESULTS.md has the figures."""
from sqlalchemy.dialects import postgresql

from forum.pages import routes as pages
from forum.permissions import bound_board_reader
from forum.stories import routes as stories
from forum.stories.listed import published_stories


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
