"""Admin-only pages: asking to look behind an anonymous name, deciding on another
administrator's request, seeing the answer to an approved one, the private audit log, the
boards (make, rename, describe, reorder, choose who reads, archive), and the site settings."""
from babel.lists import format_list
from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_babel import get_locale, gettext as _
from flask_login import current_user

from sqlalchemy import select

from .. import permissions, site_settings
from ..clock import utcnow
from ..extensions import db, login_manager
from ..models import Board, Unmasking
from ..pagination import paginate, parse_id
from ..moderation.actions import ModerationError
from . import boards as board_service, service, settings as settings_service
from .forms import BoardForm, SiteSettingsForm, UnmaskForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def admins_only():
    """One guard for every admin page: moderators and members get 403, visitors log in."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not permissions.can_administer(current_user):
        abort(403)
    return None


@bp.route("/unmask", methods=["GET", "POST"])
def unmask():
    """Ask to look behind an anonymous name; another administrator must approve."""
    form = UnmaskForm()
    if form.validate_on_submit():
        try:
            service.ask(current_user, form.address.data, form.kind.data, form.reason.data,
                        utcnow())
        except service.UnmaskError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            flash(_("Your request is in the audit log. Another administrator has to approve "
                    "it before you can see the answer."))
            return redirect(url_for("admin.unmaskings"))
    return render_template("admin/unmask.html", form=form), 400 if form.errors else 200


def _log_page(refusal: str | None = None, status: int = 200):
    page = paginate(service.audit_log(), Unmasking, [Unmasking.created_at, Unmasking.id],
                    parse_id(request.args.get("after")), current_app.config["ITEMS_PER_PAGE"],
                    scalars=False, key=Unmasking.id)
    return render_template("admin/unmaskings.html", page=page, refusal=refusal), status


@bp.route("/unmaskings")
def unmaskings():
    """The private audit log: every request, who asked and why, who decided, and when."""
    # Paged by row id: every administrator reads every line of this log, so its ids tell
    # them nothing they do not see, and nobody else ever gets a link to it.
    return _log_page()


def _decide(unmasking_id: int, approve: bool):
    try:
        service.decide(current_user, unmasking_id, approve, utcnow())
    except LookupError:
        abort(404)
    except service.UnmaskError as error:
        return _log_page(error.message, 409)
    flash(_("Approved. Only the administrator who asked can see the answer, once.")
          if approve else _("Refused. The administrator who asked will not see the answer."))
    return redirect(url_for("admin.unmaskings"))


@bp.route("/unmaskings/<int:unmasking_id>/approve", methods=["POST"])
def approve(unmasking_id: int):
    return _decide(unmasking_id, approve=True)


@bp.route("/unmaskings/<int:unmasking_id>/refuse", methods=["POST"])
def refuse(unmasking_id: int):
    return _decide(unmasking_id, approve=False)


@bp.route("/unmaskings/<int:unmasking_id>/answer", methods=["POST"])
def answer(unmasking_id: int):
    """The answer, to the administrator who asked, once: in this response and nowhere else."""
    try:
        result = service.reveal(current_user, unmasking_id, utcnow())
    except LookupError:
        abort(404)
    except service.UnmaskError as error:
        return _log_page(error.message, 409)
    return render_template("admin/answer.html", result=result)


# --- boards -------------------------------------------------------------------------------

def _board(slug: str) -> Board:
    return db.first_or_404(select(Board).where(Board.slug == slug))


def _edit_form(board: Board, formdata=None) -> BoardForm:
    """One board's form, its fields prefixed so that ids stay unique on the page. Its token is
    the page's plain csrf_token, which CSRFProtect checks on every POST before this view."""
    return BoardForm(formdata=formdata, prefix=f"b{board.id}", obj=board, meta={"csrf": False})


def _boards_page(new: BoardForm | None = None, failed: tuple[int, BoardForm] | None = None,
                 status: int = 200):
    """The boards page; a refused form comes back in its place with what was typed."""
    boards = db.session.scalars(board_service.all_boards()).all()
    forms = {b.id: _edit_form(b) for b in boards}
    if failed is not None:
        forms[failed[0]] = failed[1]
    return render_template("admin/boards.html", boards=boards, forms=forms,
                           new=new or BoardForm(formdata=None)), status


def _refused(form: BoardForm, error: board_service.BoardError) -> None:
    getattr(form, error.field).errors.append(error.message)


@bp.route("/boards")
def boards():
    """Every board, with what an admin may change about each."""
    return _boards_page()


@bp.route("/boards", methods=["POST"])
def create_board():
    """Make a new board, last in the list."""
    form = BoardForm()
    if form.validate_on_submit():
        try:
            board = board_service.create(current_user, name=form.name.data,
                                         description=form.description.data,
                                         audience=form.audience.data, now=utcnow())
        except board_service.BoardError as error:
            _refused(form, error)
            return _boards_page(new=form, status=error.status)
        flash(_("The board %(name)s is made.", name=board.name))
        return redirect(url_for("admin.boards"))
    return _boards_page(new=form, status=400)


@bp.route("/boards/<slug>/update", methods=["POST"])
def update_board(slug):
    """Rename a board, describe it, or choose who may read it."""
    board = _board(slug)
    form = _edit_form(board, request.form)
    if form.validate_on_submit():
        try:
            changed = board_service.update(current_user, board, name=form.name.data,
                                           description=form.description.data,
                                           audience=form.audience.data, now=utcnow())
        except board_service.BoardError as error:
            _refused(form, error)
            return _boards_page(failed=(board.id, form), status=error.status)
        # "name and description", "name, description, and who may read it": each language's
        # own way of listing things (Babel's list patterns).
        flash(_("Changed %(what)s of %(name)s.", what=format_list(changed, locale=get_locale()),
                name=board.name) if changed else _("Nothing changed."))
        return redirect(url_for("admin.boards"))
    return _boards_page(failed=(board.id, form), status=400)


@bp.route("/boards/<slug>/move", methods=["POST"])
def move_board(slug):
    """Move a board one place up or down the list."""
    try:
        board_service.move(current_user, _board(slug), request.form.get("direction", ""), utcnow())
    except board_service.BoardError as error:
        abort(error.status)
    return redirect(url_for("admin.boards"))


@bp.route("/boards/<slug>/archive", methods=["POST"])
def archive_board(slug):
    """Archive a board (read-only, listed apart), or bring it back."""
    board = _board(slug)
    board_service.set_archived(current_user, board, request.form.get("archived") == "1", utcnow())
    flash(_("%(name)s is archived: readable, closed to new posts.", name=board.name)
          if board.archived else _("%(name)s is open again.", name=board.name))
    return redirect(url_for("admin.boards"))


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    """Change how people join and the new-account rules, at once, without a restart."""
    form = SiteSettingsForm(data=None if request.method == "POST" else site_settings.current())
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in site_settings.SETTINGS}
        try:
            changed = settings_service.save(current_user, values, form.reason.data, utcnow())
        except ModerationError as error:
            form.reason.errors.append(error.message)
        else:
            flash(_("Saved. The change is in the public moderation log.") if changed
                  else _("Nothing was changed."))
            return redirect(url_for("admin.settings"))
    return render_template("admin/settings.html", form=form), 400 if form.errors else 200
