"""The search blueprint: routes.py creates `bp`, one page that finds stories, threads and posts.

- index.py: what is indexed, and the FTS5 tables or tsvector columns and triggers that keep it
  (install, rebuild, pause; the Alembic filter the migrations and the benchmark import use).
- query.py: a reader's words and page cursor, and the SQL that ranks the visible matches
  and reads what the page shows of them.
- results.py: a page's results as HTML, with excerpts; `search()` runs one page. What it
  made is kept by what it shows (SEARCH_CACHE_BYTES).
- kept.py: a page as this process last answered it, used while the database's revision (read
  in the page's first statement, with the groups) is the same.
"""
from .routes import bp

__all__ = ["bp"]
