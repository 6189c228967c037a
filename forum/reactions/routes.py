"""Plain forms, no script needed: press a reaction or "I lived this too", and go back to it."""
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import permissions
from ..clock import utcnow
from ..extensions import db
from ..models import Post, Story
from ..posting import refusals
from ..threads.service import post_url
from . import service
from .support import story_support

bp = Blueprint("reactions", __name__)
bp.add_app_template_global(service.kinds, "reaction_kinds")
bp.add_app_template_global(story_support)


def _on() -> bool:
    """What the button asks: press (on=1, the default) or take back (on=0)."""
    return request.form.get("on", "1") != "0"


def _refused(error: refusals.PostingError):
    flash(error.message, refusals.kind(error))  # shown on the error page
    abort(error.status)


def _story(slug: str) -> Story:
    story = db.first_or_404(select(Story).where(Story.slug == slug)
                            .options(joinedload(Story.handle), joinedload(Story.thread)))
    if not story.is_published:
        abort(404)
    return story


def _back_to_story(story: Story, anchor: str):
    return redirect(url_for("stories.show", slug=story.slug, _anchor=anchor), 303)


@bp.route("/stories/<slug>/react/<kind>", methods=["POST"])
@login_required
def story(slug, kind):
    """Give or take back one kind of quiet support under a story."""
    found = _story(slug)
    try:
        service.react_to_story(current_user, found, kind, _on(), utcnow())
    except refusals.PostingError as error:
        _refused(error)
    return _back_to_story(found, "support")


@bp.route("/posts/<public_id:post_id>/react/<kind>", methods=["POST"])
@login_required
def post(post_id, kind):
    """Give or take back one kind of quiet support under a post."""
    found = db.first_or_404(select(Post).where(Post.public_id == post_id)
                            .options(joinedload(Post.handle), joinedload(Post.thread)))
    thread = found.thread
    if (not permissions.can_read_thread(current_user, thread) or found.is_held
            or (thread.board is not None and not permissions.can_see_board(current_user,
                                                                           thread.board))):
        abort(404)
    try:
        service.react_to_post(current_user, found, kind, _on(), utcnow())
    except refusals.PostingError as error:
        _refused(error)
    return redirect(post_url(found), 303)


@bp.route("/stories/<slug>/lived-this-too", methods=["POST"])
@login_required
def lived(slug):
    """Say, or take back, that you lived what this story tells too."""
    found = _story(slug)
    try:
        service.say_lived_this(current_user, found, _on(), utcnow())
    except refusals.PostingError as error:
        _refused(error)
    return _back_to_story(found, "support")


@bp.route("/stories/<slug>/lived-this-too/setting", methods=["POST"])
@login_required
def lived_setting(slug):
    """The author shows or hides "I lived this too" under their story."""
    found = _story(slug)
    try:
        service.set_lived_this(current_user, found, _on(), utcnow())
    except refusals.PostingError as error:
        _refused(error)
    return _back_to_story(found, "support")
