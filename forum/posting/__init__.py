"""The posting blueprint: every write of user text is checked, rendered and stored here.

Where each part lives:
- refusals.py  why a write is refused: PostingError and its kinds, the writer and lock checks,
               the text's length, the rate limits (and the new-account test), previews
- handles.py   which name a writer appears under: their public handle or a pseudonym
- replies.py   posts in a thread: a new board thread, reply() (the one way in for a reply),
               edits and deletions
- stories.py   testimonies: slugs, groups, drafts, publishing, changes, earlier versions,
               and the author closing or reopening their story's comments
- reports.py   asking the moderators to look at a post or a story
- imports.py   a member's WordPress blog brought in as their stories (import_thread.py:
               its comments as their threads; import_report.py: what was left out and why),
               read by wxr.py (the hardened, streamed WXR reader) and made Markdown by
               from_html.py, so it takes the same renderer and sanitiser as everything else
- restrictions.py  a story's author barring a name (and so its account) from commenting
- routes.py    creates `bp`: the thread, reply, edit, delete, report and comment views
- story_routes.py  the story editor: preview, drafts, autosave and the author's history
- import_routes.py  Settings > Bring your blog: upload, preview, confirm (blog_uploads.py: the
               scrubbed copy kept between them, and the import run on it)
- forms.py     the forms of all of these
"""
from . import import_routes, story_routes
from .routes import bp

__all__ = ["bp", "import_routes", "story_routes"]
