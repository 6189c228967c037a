"""Templates see every global of the site, from a plain dict (forum/siteurl.py,
TemplateEnvironment): a copy made when each template loads, so no global may be added later."""
from __future__ import annotations

from tests.factories import make_board, make_thread, make_user


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
