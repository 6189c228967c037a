"""Templates see every global of the site, from a plain dict (forum/siteurl.py,
TemplateEnvironment): a copy made when each template loads, so no global may be added later."""
from __future__ import annotations

from jinja2 import meta, nodes

from tests.factories import make_board, make_story, make_thread, make_user


def test_every_loaded_template_holds_every_global_of_the_environment(app, ctx, client):
    thread = make_thread(make_user("ada", "Ada"), make_board(), title="Leaving")
    for url in ("/", f"/threads/{thread.public_id}", "/stories/", "/auth/login"):
        assert client.get(url).status_code == 200, url
    env = app.jinja_env
    loaded = [template for template in env.cache.values()]
    assert len(loaded) > 5
    for template in loaded:
        assert type(template.globals) is dict, template.name
        missing = set(env.globals) - set(template.globals)
        assert not missing, f"{template.name} lacks {missing}: a global was added after it loaded"
        assert all(template.globals[name] is value for name, value in env.globals.items())


def test_a_members_thread_page_renders_through_its_imports(ctx, person):
    """The thread page imports macros with context (the post tree, the author's name) and
    without (the pagination): for the author they still show her name with "you", her own
    post's Edit and Delete and no Report (the macros ask current_user)."""
    ada = make_user("ada", "Ada")
    thread = make_thread(ada, make_board(), title="Leaving", body="The first meeting.")
    person.login("ada")
    page = person.get(f"/threads/{thread.public_id}").get_data(as_text=True)
    assert "The first meeting." in page and ">Ada<" in page
    assert '<span class="badge">you</span>' in page
    assert ">Edit<" in page and ">Delete<" in page and "Report" not in page


# Names a partial reads from its importer's context by design, each behind `is defined`:
# the post tree's `pressed` is given only when the tree is rendered for one reader, through
# _post_page.html's import with context.
_ASKED_IF_DEFINED = {"_post_tree.html": {"pressed"}}


def _stored_names(tree) -> set[str]:
    """Every name the template sets itself: {% set %}, loop variables, macro arguments."""
    return {node.name for node in tree.find_all(nodes.Name) if node.ctx in ("store", "param")}


def _imports(tree):
    return [node for node in tree.find_all((nodes.FromImport, nodes.Import))
            if isinstance(node.template, nodes.Const)]


def test_partials_imported_without_context_ask_only_globals_and_their_arguments(app):
    """A partial imported without context (Jinja makes its module once per process) sees the
    environment's globals and nothing of the page importing it: a name it reads that is
    neither a global nor its own would quietly be undefined (false, empty) on every page. So
    each such partial, and whatever it imports in turn, reads nothing else."""
    env = app.jinja_env
    parsed = {name: env.parse(env.loader.get_source(env, name)[0])
              for name in env.list_templates(extensions=["html", "xml", "txt"])}
    without_context = {node.template.value for tree in parsed.values()
                       for node in _imports(tree) if not node.with_context}
    assert {"_author.html", "_post_tree.html", "notifications/_follow.html",
            "moderation/_tools.html", "_lists.html"} <= without_context
    seen, todo = set(), sorted(without_context)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        tree = parsed[name]
        asked = meta.find_undeclared_variables(tree) - _stored_names(tree) - set(env.globals)
        assert asked <= _ASKED_IF_DEFINED.get(name, set()), (
            f"{name} is imported without context but reads {sorted(asked)}")
        todo += [node.template.value for node in _imports(tree)]
    assert "current_user" in env.globals


def test_a_members_story_page_offers_what_its_partials_decide(ctx, person):
    """The story page imports its partials without context: the reader's controls still come
    out as before (quiet support, bookmark, follow, the comment box; for the author, Edit)."""
    ada = make_user("ada", "Ada")
    make_user("bea", "Bea")
    story = make_story(ada, title="Leaving", body="It began with a meeting.")
    person.login("bea")
    page = person.get(f"/stories/{story.slug}").get_data(as_text=True)
    assert "It began with a meeting." in page
    for shown in ("Thank you", "Bookmark this story", "Follow the comments", 'id="reply-body"'):
        assert shown in page, shown
    assert "Edit your story" not in page
    person.logout()
    person.login("ada")
    page = person.get(f"/stories/{story.slug}").get_data(as_text=True)
    assert "Edit your story" in page and "Thank you" not in page
    assert '<span class="badge">you</span>' in page



def test_the_parts_kept_per_language_hold_nothing_but_words(app):
    """forum/templating.py keeps the formatting help per language and process: its template
    may read the translation functions and nothing else (no reader, no page)."""
    env = app.jinja_env
    tree = env.parse(env.loader.get_source(env, "posting/_formatting_help.html")[0])
    asked = meta.find_undeclared_variables(tree) - _stored_names(tree)
    assert asked <= {"_", "gettext", "ngettext", "pgettext", "npgettext"}, asked
