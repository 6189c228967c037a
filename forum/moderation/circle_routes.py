"""Circle boards: the page where moderators see who is in a circle, let someone in by their
public name, and take them out (forum/moderation/circles.py keeps the rules). Its views join
the moderation blueprint, behind its moderators-only guard."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import permissions
from ..clock import utcnow
from ..extensions import db
from ..models import Board
from . import actions, circles
from .forms import CircleForm
from .routes import bp


def _circle_board(slug: str) -> Board:
    board = db.first_or_404(select(Board).where(Board.slug == slug))
    if not permissions.can_keep_circle(current_user, board):
        abort(404)
    return board


def _circle_page(board: Board, form=None, refusal: str | None = None, status: int = 200):
    return render_template("moderation/circle.html", board=board, form=form or CircleForm(),
                           members=circles.members(board), refusal=refusal), status


@bp.route("/boards/<slug>/circle")
def circle(slug):
    """Who is in a circle board, by public name, with a form to let someone in."""
    return _circle_page(_circle_board(slug))


@bp.route("/boards/<slug>/circle", methods=["POST"])
def circle_add(slug):
    """Let a member into a circle board by their public name."""
    board = _circle_board(slug)
    form = CircleForm()
    if not form.validate_on_submit():
        return _circle_page(board, form, status=400)
    try:
        name = circles.add(current_user, board, form.name.data, utcnow())
    except actions.ModerationError as error:
        return _circle_page(board, form, error.message, error.status)
    flash(_("%(name)s can now read %(board)s.", name=name, board=board.name))
    return redirect(url_for("moderation.circle", slug=board.slug))


@bp.route("/boards/<slug>/circle/remove", methods=["POST"])
def circle_remove(slug):
    """Take a member out of a circle board."""
    board = _circle_board(slug)
    try:
        circles.remove(current_user, board, request.form.get("name", ""), utcnow())
    except actions.ModerationError as error:
        return _circle_page(board, refusal=error.message, status=error.status)
    flash(_("Taken out of the circle: the board is gone for them, notifications included."))
    return redirect(url_for("moderation.circle", slug=board.slug))
