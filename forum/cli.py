"""Flask commands: `seed-demo` fills an empty site with demo content; `users` manages accounts;
`import-wxr` brings in a member's WordPress blog and `wxr-redirects` maps its old links."""
from __future__ import annotations

import re
from pathlib import Path

import click
from sqlalchemy import select
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from . import backup as backups
from . import jobs, ratelimit, site_settings
from .auth.passwords import password_problem
from .auth.service import RegistrationError, handle_available, register
from .clock import utcnow
from .demo import seed
from .demo.content import DEMO_PASSWORD, PENDING_REGISTRATIONS, USERS
from .extensions import db
from .models import PUBLIC, ROLES, Handle, User
from .names import name_key
from .posting import imports
from .posting import stories as story_writing
from .posting.refusals import PostingError
from .posting.wxr import WxrError
from .stories import old_links

# The same rule the registration form applies to login names.
LOGIN_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{3,64}$")


def register_cli(app: Flask) -> None:
    """Attach the site's commands to `flask --app wsgi ...`."""
    app.cli.add_command(seed_demo)
    app.cli.add_command(users)
    app.cli.add_command(backup)
    app.cli.add_command(restore)
    app.cli.add_command(jobs.jobs)
    app.cli.add_command(notifications)
    app.cli.add_command(import_wxr)
    app.cli.add_command(wxr_redirects)
    app.cli.add_command(stories_cli)


# --- users --------------------------------------------------------------------------------

users = AppGroup("users", help="Create accounts and change their roles.")


def _read_password() -> str:
    """Ask for the password twice without echoing it (reads stdin when it is not a terminal)."""
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password)
    if problem:
        raise click.ClickException(problem)
    return password


@users.command("create")
@click.argument("login_name")
@click.option("--role", type=click.Choice(ROLES), default="member", show_default=True)
@click.option("--handle", help="Public handle shown on the site; defaults to the login name.")
def create_user(login_name: str, role: str, handle: str | None) -> None:
    """Create an account. The password is asked for, never taken from the command line."""
    if not LOGIN_NAME_RE.match(login_name):
        raise click.ClickException(
            "A login name is 3 to 64 letters, digits, dots, dashes or underscores."
        )
    try:
        # Refuse a taken name before asking for a password, not after.
        handle_available(handle or login_name)
        if db.session.scalar(User.by_login_name(login_name)) is not None:
            raise RegistrationError("login_name", f"The login name {login_name!r} is taken.")
        password = _read_password()
        with ratelimit.lifted():  # an administrator's command, not a client's sign-up
            # Made whatever the registration mode: no invitation code, no approval to wait for.
            user = register(login_name=login_name, handle=handle or login_name,
                            password=password, email=None, now=utcnow(),
                            mode=site_settings.OPEN)
    except RegistrationError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    user.role = role
    db.session.commit()
    click.echo(f"Created {role} account {user.login_name!r} "
               f"with public handle {user.public_handle.name!r}.")


@users.command("set-role")
@click.argument("login_name")
@click.argument("role", type=click.Choice(ROLES))
def set_role(login_name: str, role: str) -> None:
    """Make an existing account a member, moderator or admin."""
    user = db.session.scalar(User.by_login_name(login_name))
    if user is None:
        raise click.ClickException(f"No account has the login name {login_name!r}.")
    previous, user.role = user.role, role
    db.session.commit()
    click.echo(f"{user.login_name}: {previous} -> {role}.")


# --- seed-demo ----------------------------------------------------------------------------

@click.command("seed-demo")
@click.option("--if-empty", is_flag=True,
              help="Do nothing (and succeed) if the database already has content.")
@with_appcontext
def seed_demo(if_empty: bool) -> None:
    """Fill an empty database with demo groups, boards, accounts, stories and discussions."""
    try:
        already = seed.has_content()
    except seed.NoTables as error:
        raise click.ClickException(
            "The database has no tables yet. Run `flask --app wsgi db upgrade` first."
        ) from error
    if already:
        if if_empty:
            click.echo("The database already has content; seed-demo left it as it is.")
            return
        raise click.ClickException(
            "The database already has content, so seed-demo did nothing. It only fills an "
            "empty database (use --if-empty to skip quietly)."
        )
    try:
        made = seed.seed(utcnow().replace(second=0, microsecond=0))
    except Exception:
        click.echo("seed-demo stopped partway and left some demo content behind. Empty the "
                   "database (for SQLite, delete the file), run `flask --app wsgi db upgrade`, "
                   "then seed-demo again.", err=True)
        raise
    click.echo(f"Demo content created: {made.groups} groups, {made.boards} boards, "
               f"{made.accounts} accounts, {made.stories} stories, {made.posts} posts.")
    click.echo(f"Log in with any of these login names and the password {DEMO_PASSWORD!r}:")
    for account in USERS:
        click.echo(f"  {account.login_name:<18} {account.role}")
    for waiting in PENDING_REGISTRATIONS:
        click.echo(f"  {waiting.login_name:<18} member, waiting for a moderator's approval")
    for code in made.invitation_codes:
        click.echo(f"An invitation code (one use, {current_app.config['INVITE_DAYS']} days), for "
                   f"when registration is by invitation: {code}")


# --- notifications send-digests: the old name of `jobs run` ------------------------------

notifications = AppGroup("notifications", help="The old home of the daily digest.")


@notifications.command("send-digests")
def send_digests() -> None:
    """The old name of `flask jobs run`: every periodic job, the digest among them."""
    raise SystemExit(jobs.run_and_report(utcnow()))


# --- backup and restore -------------------------------------------------------------------

@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup(directory: Path) -> None:
    """Write a consistent backup of the whole database into DIRECTORY (while the site runs)."""
    try:
        made = backups.backup(db.engine, directory, utcnow())
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    finally:
        db.engine.dispose()
    click.echo(f"{made.path} {made.size} bytes")


@click.command("restore")
@click.argument("backup_file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def restore(backup_file: Path) -> None:
    """Bring a backup made by `backup` into the empty database DATABASE_URL names."""
    db.session.remove()
    try:
        done = backups.restore(db.engine, backup_file)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    finally:
        db.engine.dispose()
    click.echo(f"Restored {backup_file} ({done.kind}) at migration revision "
               f"{done.revision or 'unknown'}.")
    click.echo("Now run `flask --app wsgi db upgrade` to bring the schema up to date, then "
               "start the site.")


# --- import-wxr and wxr-redirects: a member's WordPress blog ------------------------------

@click.command("import-wxr")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "handle", required=True,
              help="The public handle of the member whose blog it is.")
@click.option("--group", "groups", multiple=True, metavar="SLUG|TERM=SLUG",
              help="Map the blog's category or tag with this slug (or TERM) to the existing "
                   "group SLUG; repeat for more. Nothing else becomes a group.")
@click.option("--pseudonym", is_flag=True,
              help="Publish each story under its own pseudonym, not the public handle.")
@click.option("--dry-run", is_flag=True, help="Say what would be imported; write nothing.")
@with_appcontext
def import_wxr(file: str, handle: str, groups: tuple[str, ...], pseudonym: bool,
               dry_run: bool) -> None:
    """Import a WordPress export (WXR) FILE: its posts as the member's stories, their
    comments as the stories' threads. Running it again imports nothing twice."""
    member = db.session.scalar(select(User).join(Handle, Handle.user_id == User.id)
                               .where(Handle.kind == PUBLIC, Handle.name_key == name_key(handle)))
    if member is None:
        raise click.ClickException(f"No member has the public handle {handle!r}.")
    try:
        report = imports.import_wxr(file, member, groups=list(groups), anonymous=pseudonym,
                                    now=utcnow(), dry_run=dry_run)
    except (WxrError, imports.ImportRefused, PostingError) as refused:
        db.session.rollback()
        raise click.ClickException(refused.message) from refused
    click.echo("\n".join(report.lines(dry_run)))


@click.command("wxr-redirects")
@click.option("--format", "style", type=click.Choice(["nginx", "haproxy"]), default="nginx",
              show_default=True, help="nginx `map` lines (with ;) or a HAProxy map file.")
@click.option("--source", help="Only the blog with this address (example.org/blog).")
@click.option("--with-pseudonyms", is_flag=True,
              help="Stories imported under a pseudonym too: the redirect then ties the old "
                   "blog to the pseudonym, so only with the writer's say-so.")
@with_appcontext
def wxr_redirects(style: str, source: str | None, with_pseudonyms: bool) -> None:
    """Print `old_path new_url` for every imported story still published: a map for the web
    server in front of the old blog's domain (see the README, "Bringing a blog in")."""
    for old_path, url in old_links.redirect_map(source, with_pseudonyms):
        click.echo(f"{old_path} {url};" if style == "nginx" else f"{old_path} {url}")


# --- stories ------------------------------------------------------------------------------

stories_cli = AppGroup("stories", help="Keep stories' stored reading aids up to date.")


@stories_cli.command("reading-aids")
@with_appcontext
def reading_aids() -> None:
    """Give stories written before migration 0034 their reading time and table of contents
    (renders each once through forum/text.py; run once after upgrading, safe to run again)."""
    done = story_writing.backfill_reading_aids()
    click.echo(f"Stories rendered again: {done}.")
