"""A person's notifications, what they follow, and how they hear about it."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import permissions
from ..auth.service import safe_next
from ..clock import utcnow
from ..extensions import db
from ..models import Group, Notification, Thread
from ..pagination import paginate, parse_after
from . import service
from .forms import NotificationSettingsForm

bp = Blueprint("notifications", __name__)
bp.add_app_template_global(service.moderation_words)
# How far the header's badge counts (forum/frame.py reads the count itself).
bp.add_app_template_global(service.UNREAD_SHOWN, "unread_shown")


@bp.route("/notifications")
@login_required
def index():
    """List my notifications, newest first."""
    page = paginate(service.for_user(current_user), Notification, [Notification.id],
                    parse_after(request.args.get("after")), current_app.config["ITEMS_PER_PAGE"],
                    params=service.for_user_params(current_user))
    return render_template("notifications/index.html", page=page, rows=service.rows(page.items))


@bp.route("/notifications/<public_id:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id):
    """Mark one notification read (with the unread ones its row stood for) and go to what
    it is about: the first new post."""
    notification = db.first_or_404(
        select(Notification).where(Notification.public_id == notification_id,
                                   Notification.user_id == current_user.id)
        .options(joinedload(Notification.post), joinedload(Notification.thread)))
    post = service.open_notification(current_user, notification, utcnow())
    if post is not None:
        return redirect(url_for("threads.post", post_id=post.public_id))
    return redirect(url_for("threads.show", thread_id=notification.thread.public_id))


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def read_all():
    """Mark all my notifications read."""
    service.mark_read(current_user, utcnow())
    flash(_("All notifications are marked read."))
    return redirect(url_for("notifications.index"))


@bp.route("/notifications/settings", methods=["GET", "POST"])
@login_required
def settings():
    """Choose whether writing follows a thread, and whether to get the daily email."""
    form = NotificationSettingsForm(obj=current_user)
    if form.validate_on_submit():
        service.update_settings(current_user, follow_on_write=form.follow_on_write.data,
                                email_digest=form.email_digest.data)
        flash(_("Saved."))
        return redirect(url_for("notifications.settings"))
    return render_template("notifications/settings.html", form=form), 400 if form.errors else 200


@bp.route("/notifications/following")
@login_required
def following():
    """List the threads, stories and groups I follow."""
    follows = db.session.scalars(service.follows_of(current_user)).all()
    return render_template("notifications/following.html", follows=follows)


def _back(default):
    return redirect(safe_next(request.form.get("next")) or default)


@bp.route("/threads/<public_id:thread_id>/follow", methods=["POST"])
@login_required
def follow_thread(thread_id):
    """Follow or unfollow a thread or a story's comments."""
    thread = db.first_or_404(select(Thread).where(Thread.public_id == thread_id))
    if thread.board is not None and not permissions.can_see_board(current_user, thread.board):
        abort(404)  # as for a thread that does not exist
    follow = request.form.get("follow") == "1"
    service.set_following(current_user, thread=thread, follow=follow, now=utcnow())
    flash(_("You follow this discussion now.") if follow
          else _("You no longer follow this discussion."))
    return _back(url_for("threads.show", thread_id=thread.public_id))


@bp.route("/groups/<slug>/follow", methods=["POST"])
@login_required
def follow_group(slug):
    """Follow or unfollow new stories about a group."""
    group = db.first_or_404(select(Group).where(Group.slug == slug, Group.state == "accepted"))
    follow = request.form.get("follow") == "1"
    service.set_following(current_user, group=group, follow=follow, now=utcnow())
    flash(_("You will hear about new stories about %(name)s.", name=group.name) if follow
          else _("You no longer follow %(name)s.", name=group.name))
    return _back(url_for("stories.group", slug=group.slug))

