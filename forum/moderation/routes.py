"""Moderation: the queue for moderators and the public log."""
from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import permissions
from ..models import ModAction
from ..pagination import paginate, parse_after

bp = Blueprint("moderation", __name__, url_prefix="/mod")


@bp.route("/")
def queue():
    """List open reports for moderators."""
    if not permissions.can_moderate(current_user):
        abort(403)
    return render_template("moderation/queue.html", reports=[])


@bp.route("/log")
def log():
    """Show every moderator action, newest first, to anyone."""
    stmt = select(ModAction).options(joinedload(ModAction.moderator_handle)).order_by(
        ModAction.created_at.desc(), ModAction.id.desc())
    page = paginate(stmt, ModAction, [ModAction.created_at, ModAction.id],
                    parse_after(request.args.get("after")), current_app.config["ITEMS_PER_PAGE"])
    return render_template("moderation/log.html", page=page)
