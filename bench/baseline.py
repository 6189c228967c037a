"""The baseline: about the least a page of 100 posts can cost on this stack.

A bare Flask app with no extensions, one SQL query (the first POSTS_PER_PAGE posts of one
thread in tree order, with their handle names), and one Jinja template compiled once. The
real thread page is compared with it: the difference is what the forum's own features cost.

    BASELINE_DATABASE_URL=... BASELINE_THREAD_ID=... gunicorn -w 2 bench.baseline:app
"""
from __future__ import annotations

import os

from flask import Flask
from sqlalchemy import DateTime, Integer, String, Text, create_engine, text

POSTS_PER_PAGE = 100

app = Flask(__name__)
engine = create_engine(os.environ["BASELINE_DATABASE_URL"], pool_pre_ping=True)
THREAD_ID = int(os.environ["BASELINE_THREAD_ID"])

QUERY = text(
    "SELECT p.id, p.depth, p.created_at, p.body_html, h.name "
    "FROM posts p JOIN handles h ON h.id = p.handle_id "
    "WHERE p.thread_id = :thread_id ORDER BY p.path LIMIT :limit"
).columns(id=Integer, depth=Integer, created_at=DateTime, body_html=Text, name=String)

PAGE = app.jinja_env.from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Baseline</title></head>
<body><main><h1>Thread {{ thread_id }}</h1>
<ol>
{% for post in posts %}
  <li id="p{{ post.id }}" class="depth-{{ post.depth }}"><article>
    <header>{{ post.name }} <time>{{ post.created_at.strftime("%-d %B %Y") }}</time></header>
    <div>{{ post.body_html|safe }}</div>
  </article></li>
{% endfor %}
</ol></main></body></html>
""")


@app.route("/")
def thread():
    """The first page of one thread's posts, rendered as plainly as possible."""
    with engine.connect() as conn:
        posts = conn.execute(QUERY, {"thread_id": THREAD_ID, "limit": POSTS_PER_PAGE}).all()
    return PAGE.render(thread_id=THREAD_ID, posts=posts)
