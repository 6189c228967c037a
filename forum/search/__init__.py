"""The search blueprint: routes.py creates `bp`, one page that finds stories, threads and posts.

- index.py: what is indexed, and the FTS5 tables or tsvector columns and triggers that keep it
  (install, rebuild, pause; the Alembic filter the migrations and the benchmark import use).
- query.py: a reader's words and page cursor, and the SQL that ranks the visible matches.
- results.py: the rows behind the ranked matches, with excerpts; `search()` runs one page.
"""
from .routes import bp

__all__ = ["bp"]
