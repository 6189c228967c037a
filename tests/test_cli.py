"""The `flask` commands: seed-demo and users."""
from __future__ import annotations

from sqlalchemy import func, select

from forum.demo.content import DEMO_PASSWORD, PENDING_REGISTRATIONS, USERS
from forum.clock import utcnow
from forum.extensions import db
from forum.auth.invitations import code_hash
from forum.models import ANONYMOUS, Board, Group, Handle, Invitation, Post, Story, Thread, User

PASSWORD = "a long enough password"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_seed_demo_fills_an_empty_database(app, ctx):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert DEMO_PASSWORD in result.output
    for login, *_ in USERS:
        assert login in result.output
    assert count(Group) >= 5 and count(Board) >= 3
    assert count(Story) >= 6
    assert count(Post) >= 40
    assert db.session.scalar(select(func.max(Post.depth))) >= 2
    # Every story's comment count matches its posts, as the posting service keeps it.
    for thread in db.session.scalars(select(Thread)):
        posts = select(func.count(Post.id)).where(Post.thread_id == thread.id)
        assert thread.post_count == db.session.scalar(posts)
        assert thread.last_post_at <= utcnow()
    assert db.session.scalar(select(func.count(Story.id)).join(Story.handle)
                             .where(Handle.kind == ANONYMOUS)) >= 1
    assert db.session.scalar(select(func.count(Post.id)).join(Post.handle)
                             .where(Handle.kind == ANONYMOUS)) >= 1
    user = db.session.scalar(User.by_login_name(USERS[0][0]))
    assert user.check_password(DEMO_PASSWORD)
    roles = {u.role for u in db.session.scalars(select(User))}
    assert roles == {"member", "moderator", "admin"}
    # Something in each queue: a registration waiting for approval, a code printed once.
    waiting = db.session.scalar(select(User).where(User.approval_state == "pending"))
    assert waiting.login_name == PENDING_REGISTRATIONS[0].login_name and waiting.join_reason
    code = result.output.split("when registration is by invitation: ")[1].split()[0]
    assert db.session.scalar(select(Invitation.code_hash)) == code_hash(code)


def test_demo_pages_render(app, ctx, client):
    app.test_cli_runner().invoke(args=["seed-demo"])
    story = db.session.scalar(Story.published().limit(1))
    thread = db.session.scalar(select(Thread).where(Thread.board_id.is_not(None)).limit(1))
    slug, thread_id = story.slug, thread.public_id
    for url in ("/", "/stories/", f"/stories/{slug}", "/boards/", f"/threads/{thread_id}"):
        assert client.get(url).status_code == 200, url


def test_seed_demo_refuses_a_database_with_content(app, ctx):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    before = count(Post)
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 1
    assert "already has content" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    skipped = runner.invoke(args=["seed-demo", "--if-empty"])
    assert skipped.exit_code == 0, skipped.output
    assert count(Post) == before


def test_users_create_admin(app, ctx):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "Root_Person", "--role", "admin", "--handle", "Site Keeper"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    user = db.session.scalar(User.by_login_name("root_person"))
    assert user.role == "admin" and user.is_admin
    assert user.check_password(PASSWORD)
    assert user.public_handle.name == "Site Keeper"


def test_users_create_defaults_to_member_with_login_as_handle(app, ctx):
    result = app.test_cli_runner().invoke(args=["users", "create", "plain"],
                                          input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(User.by_login_name("plain"))
    assert user.role == "member" and user.public_handle.name == "plain"


def test_users_create_refuses_bad_input(app, ctx):
    runner = app.test_cli_runner()
    short = runner.invoke(args=["users", "create", "someone"], input="pw\npw\n")
    assert short.exit_code == 1 and "characters" in short.output
    mismatch = runner.invoke(args=["users", "create", "someone"],
                             input=f"{PASSWORD}\nsomething else\n")
    assert mismatch.exit_code != 0
    bad_role = runner.invoke(args=["users", "create", "someone", "--role", "owner"],
                             input=f"{PASSWORD}\n{PASSWORD}\n")
    assert bad_role.exit_code == 2 and "owner" in bad_role.output
    bad_name = runner.invoke(args=["users", "create", "no spaces"],
                             input=f"{PASSWORD}\n{PASSWORD}\n")
    assert bad_name.exit_code == 1
    assert runner.invoke(args=["users", "create", "someone"],
                         input=f"{PASSWORD}\n{PASSWORD}\n").exit_code == 0
    taken = runner.invoke(args=["users", "create", "someone2", "--handle", "someone"],
                          input=f"{PASSWORD}\n{PASSWORD}\n")
    assert taken.exit_code == 1 and "taken" in taken.output
    assert "Password" not in taken.output
    login_taken = runner.invoke(args=["users", "create", "SomeOne"])
    assert login_taken.exit_code == 1 and "taken" in login_taken.output
    assert count(User) == 1


def test_users_set_role(app, ctx):
    runner = app.test_cli_runner()
    runner.invoke(args=["users", "create", "helper"], input=f"{PASSWORD}\n{PASSWORD}\n")
    result = runner.invoke(args=["users", "set-role", "helper", "moderator"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(User.by_login_name("helper")).role == "moderator"
    assert runner.invoke(args=["users", "set-role", "helper", "king"]).exit_code == 2
    missing = runner.invoke(args=["users", "set-role", "nobody", "admin"])
    assert missing.exit_code == 1 and "nobody" in missing.output


def test_commands_are_not_held_to_client_rate_limits(app_config, request):
    """With the site's real limits (3 sign-ups a day, 30 s between a new account's posts),
    seed-demo still creates every account and post, and an admin can add a fourth account."""
    from tests.test_ratelimit import REAL_LIMITS
    app_config.update(REAL_LIMITS)
    # The suite's own app fixture, so that the demo is emptied out after the test like any
    # test's rows (an app made here left it behind for the next test on this worker).
    app = request.getfixturevalue("app")
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
        assert count(User) == len(USERS) + len(PENDING_REGISTRATIONS) and count(Post) > 20
        result = app.test_cli_runner().invoke(
            args=["users", "create", "fourth_admin", "--role", "admin"],
            input="a long enough passphrase\na long enough passphrase\n")
        assert result.exit_code == 0, result.output


def test_the_demo_gives_a_moderator_a_queue_at_work(app, ctx, make_browser):
    """Reports with the outing one first (hidden at once: its reporter is established), and
    two messages to the moderators, one from a member and one from a visitor."""
    from forum.demo.content import CONTACTS, REPORTS
    from forum.models import Report
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    assert count(Report) == len(REPORTS) >= 3
    outing = next(spec for spec in REPORTS if spec.reason == "outing")
    held = db.session.scalar(select(Post).where(Post.body.contains(outing.quote)))
    assert held.state == "hidden"
    june = make_browser()
    assert june.login("june_mod", DEMO_PASSWORD).status_code == 302
    queue = june.get("/mod/").get_data(as_text=True)
    first = queue.index("<article")
    assert queue.index("Hidden from everyone at once") > first
    assert queue.index(outing.quote) < queue.index("</article>", first)
    assert f"{len(CONTACTS)} waiting for an answer" in queue
    inbox = june.get("/mod/contact").get_data(as_text=True)
    assert "A visitor" in inbox and "elif_writes" in inbox
    assert outing.quote not in make_browser().get(f"/threads/{held.thread.public_id}").get_data(
        as_text=True)
