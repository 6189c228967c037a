"""The home page, the support, safety and transparency pages, the favicon and the health check."""
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, current_app, jsonify, render_template, send_from_directory
from flask_login import current_user
from sqlalchemy import literal_column, select, text

from .. import permissions, ratelimit
from ..admin.service import transparency as unmasking_counts
from ..extensions import db
from ..i18n import LANGUAGES, language
from ..models import Board, Handle, Thread
from ..reading import service as reading
from ..stories.listed import listed_thread, published_stories
from ..text import render

bp = Blueprint("pages", __name__)

HOME_ITEMS = 8
# The number in the SQL, not bound: PostgreSQL keeps one plan for a prepared statement when
# that plan costs no more than one made for the values at hand, and with LIMIT a parameter it
# costed a plan for a tenth of all threads, so it planned the statement again on every request
# (0.47 ms of the database's time, against 0.09 to run it, at 1M posts; bench/RESULTS.md).
_HOME_LIMIT = literal_column(str(HOME_ITEMS))


@lru_cache(maxsize=3)
def _active_threads(reader: tuple):
    """The discussions with the latest replies, on the boards a reader reads: built once per
    kind of reader (permissions.bound_board_reader: visitor, moderator, member with their id
    bound when it runs), not for each request (building it was a tenth of the page's time)."""
    return (
        select(listed_thread())
        .join(Handle, Handle.id == Thread.handle_id).join(Board, Board.id == Thread.board_id)
        .where(Thread.board_id.in_(permissions._visible_board_ids(reader)),
               Thread.hidden.is_(False))
        .order_by(Thread.last_post_at.desc(), Thread.id.desc())
        .limit(_HOME_LIMIT)
    )


@lru_cache(maxsize=1)
def _latest_stories():
    return published_stories().limit(_HOME_LIMIT)


@bp.route("/")
def home():
    """Show the latest stories and the discussions with the latest replies."""
    stories = db.session.scalars(_latest_stories()).all()
    reader, params = permissions.bound_board_reader(current_user)
    threads = db.session.scalars(_active_threads(reader), params).all()
    new = reading.new_in(current_user, stories=[story.public_id for story in stories],
                         threads=[thread.public_id for thread in threads])
    return render_template("pages/home.html", stories=stories, threads=threads, new=new)


SITE_TEXTS = ("support", "safety")
# Each version of a page text (its file, modification time and size), rendered once per
# process: a request reads the HTML, never the Markdown. Keyed by file, so each language's
# file is kept on its own.
_rendered: dict[Path, tuple[tuple[int, int], str]] = {}


def site_text_source(name: str, lang: str) -> Path:
    """Which file the page text `name` comes from for a reader of `lang`.

    In order: the admin's file for that language (SITE_TEXT_DIR/<name>.<lang>.md), then the
    admin's own <name>.md, then ours for that language (forum/pages/<name>.<lang>.md), then
    ours in English (forum/pages/<name>.md; there is no <name>.en.md of ours). The admin's <name>.md comes before our translations on purpose: an admin
    who wrote their own text (their country's helplines, their own words) meant it for every
    reader, and a German or Spanish reader must not be handed our general text in its place,
    silently. Their English words are better than our German ones there; an admin who wants
    a German page too adds <name>.de.md.
    """
    custom_dir = Path(current_app.config["SITE_TEXT_DIR"])
    ours = Path(__file__).parent
    # `lang` is a code of LANGUAGES (the language selector gives nothing else), never a path.
    candidates = (custom_dir / f"{name}.{lang}.md", custom_dir / f"{name}.md",
                  ours / f"{name}.{lang}.md")
    return next((path for path in candidates if path.is_file()), ours / f"{name}.md")


def site_text(name: str, lang: str | None = None) -> str:
    """The page text `name` as safe HTML, in this request's language (or `lang`) where a text
    exists in it: the admin's Markdown file if there is one, else ours."""
    source = site_text_source(name, lang or language())
    stat = source.stat()
    version = (stat.st_mtime_ns, stat.st_size)
    known = _rendered.get(source)
    if known is None or known[0] != version:
        known = _rendered[source] = (version, render(source.read_text(encoding="utf-8")).html)
    return known[1]


def init_app(app) -> None:
    """Render the page texts as the app starts, so no reader's request waits for it."""
    with app.app_context():
        for name in SITE_TEXTS:
            for lang in LANGUAGES:
                site_text(name, lang)


@bp.route("/support")
def support():
    """List the kinds of help a reader can turn to, in the words the site's admin chose."""
    return render_template("pages/text.html", body=site_text("support"))


@bp.route("/safety")
def safety():
    """Explain, in plain words, how to read this site without leaving traces."""
    return render_template("pages/text.html", body=site_text("safety"))


@bp.route("/transparency")
def transparency():
    """What the site promises about anonymous names, and every time an administrator looked
    behind one: the day and the kind of reason, never whom."""
    return render_template("pages/transparency.html", counts=unmasking_counts())


@bp.route("/favicon.ico")
def favicon():
    """The site's mark for browsers and feed readers that ask the root for it, not a 404."""
    return send_from_directory(Path(current_app.static_folder) / "img", "favicon.ico",
                               mimetype="image/vnd.microsoft.icon", max_age=86400)


@bp.route("/healthz")
def healthz():
    """Tell a load balancer whether the database and the rate-limit storage answer."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception as error:  # any failure means "not healthy", whatever the driver raised
        current_app.logger.warning("Database health check failed: %s", type(error).__name__)
        db.session.rollback()
        database = "unavailable"
    # Limits fall back to memory when the shared storage fails: the site still serves.
    limits = ratelimit.storage_status()
    status = 200 if database == "ok" else 503
    overall = "ok" if database == "ok" and limits in ("ok", "disabled") else "degraded"
    return jsonify(status=overall, database=database, ratelimit_storage=limits), status
