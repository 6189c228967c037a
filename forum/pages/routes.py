"""The home page and the health check."""
from flask import Blueprint, jsonify, render_template
from sqlalchemy import select, text
from sqlalchemy.orm import joinedload

from .. import ratelimit
from ..extensions import db
from ..models import Story, Thread

bp = Blueprint("pages", __name__)

HOME_ITEMS = 8


@bp.route("/")
def home():
    """Show the latest stories and the discussions with the latest replies."""
    stories = db.session.scalars(
        Story.published().options(joinedload(Story.handle)).limit(HOME_ITEMS)
    ).all()
    threads = db.session.scalars(
        select(Thread)
        .where(Thread.board_id.is_not(None), Thread.hidden.is_(False))
        .options(joinedload(Thread.board), joinedload(Thread.handle))
        .order_by(Thread.last_post_at.desc(), Thread.id.desc())
        .limit(HOME_ITEMS)
    ).all()
    return render_template("pages/home.html", stories=stories, threads=threads)


@bp.route("/healthz")
def healthz():
    """Tell a load balancer whether the database and the rate-limit storage answer."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # any failure means "not healthy", whatever the driver raised
        db.session.rollback()
        database = "unavailable"
    # Limits fall back to memory when the shared storage fails: the site still serves.
    limits = ratelimit.storage_status()
    status = 200 if database == "ok" else 503
    overall = "ok" if database == "ok" and limits in ("ok", "disabled") else "degraded"
    return jsonify(status=overall, database=database, ratelimit_storage=limits), status
