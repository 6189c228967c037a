"""The one-time keys of the forms that create posts and stories (forum/submission_keys.py).

A reply, a new thread's first post and a story keep the digest of their form's key on their
own row, in the INSERT the posting path makes anyway; the views of those forms look for it
here, and answer a second arrival with what the first one made.
"""
from __future__ import annotations

from flask import Response, g, request, url_for
from sqlalchemy import select

from ..extensions import db
from ..models import DRAFT, Post, Story
from ..models.content import words_key
from .. import submission_keys
from ..submission_keys import answer, failed_twice, sent_digest, wait_for_first
from ..text import normalise
from ..threads.service import post_url

# What each view creates.
KINDS = {"posting.reply": "post", "posting.new_thread": "thread", "posting.new_story": "story"}


def _made(kind: str, key_hash: str) -> Post | Story | None:
    """The story, or the post (a thread's first), stored with `key_hash`."""
    model = Story if kind == "story" else Post
    return db.session.scalar(select(model).where(model.submission_key == key_hash))


def _location(kind: str, made: Post | Story) -> str:
    """Where the first arrival sent its writer: the story (a draft: its editor), the new
    thread, or the reply's page."""
    if kind == "story":
        if made.state == DRAFT:
            return url_for("posting.edit_story", slug=made.slug)
        return url_for("stories.show", slug=made.slug)
    if kind == "thread":
        return url_for("threads.show", thread_id=made.thread.public_id)
    return post_url(made)


def _row_result(kind: str, key_hash: str) -> str | None:
    """Where the post, thread or story stored with `key_hash` is shown; None if none is."""
    made = _made(kind, key_hash)
    return None if made is None else _location(kind, made)


def _first_answer(kind: str, made: Post | Story) -> Response | None:
    """The first arrival's answer, when this one sends the same words.

    Other words under a key already used are a new text sent from a page shown before (the
    browser's Back button can bring one back): they are not lost behind "already sent" but
    stored, without a key."""
    if words_key(normalise(request.form.get("body", ""))) != made.body_key:
        g.once_sent = None  # sent_digest(): no key for this request any more
        return None
    return answer(_location(kind, made))


def post_result(public_id: str) -> Response | None:
    """The answer to a reply that arrived again: the page of the post it made (None: other
    words, to be stored after all)."""
    post = db.session.scalar(select(Post).where(Post.public_id == public_id))
    return _first_answer("post", post)


def replayed(kind: str) -> Response | None:
    """For a SELF_GUARDED view: the first arrival's answer if this key made a `kind` already."""
    key_hash = sent_digest()
    if key_hash is None:
        return None
    made = _made(kind, key_hash)
    return None if made is None else _first_answer(kind, made)




def arrived_twice(error: Exception):
    """A write of a post or story failed: if another arrival of the same form stored it
    first (its unique index, or SQLite's lock), answer with it; else the error as it was."""
    kind, key_hash = KINDS.get(request.endpoint), g.get("once_sent")
    if kind is None:  # this blueprint's other forms keep their keys in the table
        return submission_keys.arrived_twice(error)
    if not failed_twice(error, key_hash):
        raise error

    def result():
        location = _row_result(kind, key_hash)
        return location is not None, location
    return wait_for_first(error, result)
