"""Flask commands: `seed-demo` fills an empty site with demo content; `users` manages accounts."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import NamedTuple

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from . import ratelimit
from .auth.passwords import password_problem
from .auth.service import RegistrationError, handle_available, register
from .clock import utcnow
from .extensions import db
from .models import ROLES, Board, Group, Post, Story, Thread, User
from .posting import service as posting

# The same rule the registration form applies to login names.
LOGIN_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{3,64}$")
DEMO_PASSWORD = "afterward-demo-2024"


def register_cli(app: Flask) -> None:
    """Attach the site's commands to `flask --app wsgi ...`."""
    app.cli.add_command(seed_demo)
    app.cli.add_command(users)


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
            user = register(login_name=login_name, handle=handle or login_name,
                            password=password, email=None, now=utcnow())
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

class Note(NamedTuple):
    """One demo post: who writes it, how many hours after its parent, and its replies."""

    author: str
    hours: float
    body: str
    anonymous: bool = False
    replies: tuple = ()


GROUPS = (
    ("The Fellowship of the Open Door",
     "A residential fellowship that grew out of a home prayer group. Members shared houses, "
     "income and a strict daily schedule set by the elders."),
    ("Bright Path Collective",
     "A personal-growth organisation selling ever more advanced courses and retreats, with "
     "members expected to recruit and to volunteer unpaid for years."),
    ("Harvest Light Assembly",
     "A small church network known for cutting off contact with members who leave."),
    ("Meridian Leadership Institute",
     "Weekend seminars that turned into a full-time commitment of coaching, fees and recruiting."),
    ("The Stillwater Community",
     "A rural commune built around one teacher, where children were raised collectively."),
)

BOARDS = (
    ("Just left", "just-left",
     "For the first weeks and months. Ask, vent, or just say you are here."),
    ("Family and friends", "family-and-friends",
     "For people with someone still inside, and for talking about the families we left."),
    ("Rebuilding", "rebuilding",
     "Work, money, health, belief or no belief, making friends: the long middle part."),
    ("Ask anything", "ask-anything",
     "Practical questions about leaving, paperwork, therapy, or how this site works."),
)

# login name (also the public handle), role, days since joining, bio
USERS = (
    ("maren_after", "member", 62, "Nine years at the Open Door. Out since 2019. I garden now."),
    ("jonah_k", "member", 58, ""),
    ("ruth_rebuilds", "member", 55, "Ex-Bright Path. Accountant, slowly un-learning the jargon."),
    ("tomas_h", "member", 51, "Former Meridian coach. Trying to make amends where I can."),
    ("ada_outside", "member", 47, "Grew up at Stillwater. Left at nineteen."),
    ("elif_writes", "member", 40, "Writing my way out, one short paragraph at a time."),
    ("june_mod", "moderator", 60, "Moderator. Here to keep this place calm and safe."),
    ("afterward_admin", "admin", 63, "Runs the site. Write to the moderators first, please."),
)

STORIES = (
    dict(
        author="maren_after", days_ago=38, anonymous=False,
        title="Nine years at the Open Door, and the first winter after",
        summary="How a prayer group became my whole life, and what the first months outside "
                "were actually like.",
        groups=("The Fellowship of the Open Door",), warnings=(),
        body="""\
I joined the Fellowship of the Open Door when I was twenty-three. It was a Tuesday-night
prayer group in a friend's living room, and it was the warmest room I had ever been in.
Nobody asked me to give anything up. That came later, one reasonable step at a time.

By the fourth year I lived in one of the fellowship houses, my wages went into the common
fund, and the elders decided which of us could visit family at Christmas. I did not feel
trapped. I felt *chosen*, and I think that is the part people outside find hardest to
understand.

## Leaving

I did not leave in a dramatic way. I asked a question in a house meeting, about where the
common fund went, and I noticed that nobody would look at me afterwards. Three weeks later I
was "released to pray elsewhere". I had a bag, £140 and a phone with only fellowship numbers
in it.

## The first winter

- I slept a lot. More than I thought a person could.
- I did not know how to buy groceries for one.
- I kept hearing the elders' voices when I made any decision at all.

It got better. Not quickly, and not in a straight line. I am writing this for whoever is in
their own first winter right now: it is normal, and it does not last forever.
""",
        comments=(
            Note("elif_writes", 5, "\"Released to pray elsewhere\". We had almost the same "
                 "phrase. Thank you for writing the part about groceries; I still stand in "
                 "the shop for too long.", replies=(
                     Note("maren_after", 3, "The shop thing got easier for me once I made a "
                          "list the night before. It sounds silly, but fewer decisions in the "
                          "moment helped.", replies=(
                              Note("elif_writes", 20, "Not silly at all. Trying that this "
                                   "week."),
                          )),
                 )),
            Note("jonah_k", 30, "The part about feeling chosen rather than trapped is exactly "
                 "it. People kept asking me why I didn't just walk out.", anonymous=True,
                 replies=(
                     Note("ruth_rebuilds", 4, "Same. \"Why didn't you just leave\" assumes "
                          "you could see the walls.", replies=(
                              Note("maren_after", 6, "Yes. You cannot leave a room you do "
                                   "not know you are in."),
                          )),
                 )),
            Note("june_mod", 52, "Welcome, and thank you for trusting us with this. If "
                 "anyone reading is in their first winter, the *Just left* board is a good "
                 "place to say hello."),
        ),
    ),
    dict(
        author="jonah_k", days_ago=30, anonymous=True,
        title="What they told my parents about me",
        summary="Shunning, from the other side of the door.",
        groups=("Harvest Light Assembly",), warnings=("abuse",),
        body="""\
I am posting this anonymously because my parents are still in the Assembly, and I would
like to keep the small chance that one day they will speak to me again.

When I stopped attending, the pastor visited my parents. I was not there. I know what was
said only because my younger cousin told me months later: that I had "chosen the world",
that contact with me would endanger their own salvation, and that the loving thing was to
let me feel the full weight of my choice.

My mother sent one message after that visit. It said she would always love me and that she
would not answer my calls. Both of those things have been true for two years.

I do not have an ending for this story. I have a job, a flat, two friends who know
everything, and a therapist who has never once told me what to believe. Some days that feels
like a lot. Some days it feels like nothing next to a mother.

If you are being shunned: it is a practice, not a verdict on you. It took me a long time to
believe that.
""",
        comments=(
            Note("ada_outside", 6, "\"A practice, not a verdict\" is going on a card above "
                 "my desk. I am so sorry about your mother.", replies=(
                     Note("jonah_k", 2, "Thank you. It helps more than you'd think to hear "
                          "it from someone who knows.", anonymous=True, replies=(
                              Note("ada_outside", 5, "I do know. Mine stopped writing in my "
                                   "second year out. You're not alone in it."),
                          )),
                 )),
            Note("tomas_h", 26, "I used to be on the other side of conversations like the "
                 "one with your parents. I am sorry. It was cruel, and it was presented to "
                 "everyone involved as kindness.", anonymous=True, replies=(
                     Note("jonah_k", 8, "That is hard to read and I think it's also good to "
                          "read. Thank you for saying it plainly.", anonymous=True),
                 )),
        ),
    ),
    dict(
        author="ruth_rebuilds", days_ago=21, anonymous=False,
        title="The courses never ended",
        summary="£31,000, six years and a vocabulary I am still un-learning.",
        groups=("Bright Path Collective",), warnings=(),
        body="""\
Bright Path sold transformation in levels. Level one was a weekend and cost less than a
holiday. Level two was a month of evenings. By level five I was paying for the privilege of
volunteering as a course assistant, and I had stopped seeing anyone who had not "done the
work".

I am an accountant. I say that because I want people to know that being good with numbers
does not protect you. I added it all up eighteen months after I left: **£31,000** in fees,
retreats and "energy exchanges", plus six years of unpaid weekends.

What I miss is the certainty. Every problem had a name, and every name had a course. Outside,
problems are just problems, and some of them do not get solved.

What I do not miss is being told that my doubts were "resistance" and that my tiredness was
"a breakthrough trying to happen". I was just tired.
""",
        comments=(
            Note("tomas_h", 9, "The \"resistance\" reframe was in our seminars too, almost "
                 "word for word. It is a very effective way to make a person distrust "
                 "themselves.", replies=(
                     Note("ruth_rebuilds", 5, "It really is. I still catch myself calling "
                          "ordinary tiredness \"resistance\" in my head."),
                 )),
            Note("maren_after", 40, "Thank you for the line about numbers not protecting you. "
                 "I carry a lot of shame about how long I stayed, and that helped."),
        ),
    ),
    dict(
        author="tomas_h", days_ago=14, anonymous=False,
        title="I was a recruiter",
        summary="On bringing other people in, and what I owe them now.",
        groups=("Meridian Leadership Institute",), warnings=(),
        body="""\
Most stories here are written by people who were pulled into something. Mine is partly
that, and partly the story of someone who did the pulling.

I went to a Meridian weekend in 2014 because a colleague invited me. By 2016 I was a
"senior coach", and my standing depended on how many people I enrolled. I was good at it.
I knew which worries to listen for and how to make a weekend sound like the answer to them.

I left in 2021, after a man I had enrolled told me, calmly, that he had re-mortgaged his
house to pay for the advanced programme. I went home and could not stop shaking.

I have written to eleven of the people I brought in. Four answered. Two were kind, one was
angry, and one asked me never to contact him again, which I have respected. I do not think
I get to be forgiven on my schedule. I do think I can stop doing harm, and tell the truth
about how it works, so here it is.
""",
        comments=(
            Note("ruth_rebuilds", 4, "This is a brave thing to post. Many of us recruited "
                 "someone, even if we never had a title for it.", replies=(
                     Note("tomas_h", 3, "Thank you. That is true, and I think it's part of "
                          "why so few people talk about it.", replies=(
                              Note("ruth_rebuilds", 12, "My sister came to level one "
                                   "because of me. She is still in. That's the hardest "
                                   "part of my whole story."),
                          )),
                 )),
            Note("afterward_admin", 30, "A reminder for this thread: replies here are about "
                 "experiences, not about naming the people involved. Thank you all for "
                 "keeping it that way."),
            Note("elif_writes", 50, "Respecting the man who asked for no contact says a lot. "
                 "Thank you.", anonymous=True),
        ),
    ),
    dict(
        author="ada_outside", days_ago=9, anonymous=False,
        title="Growing up at Stillwater",
        summary="I did not join anything. I was born into it.",
        groups=("The Stillwater Community",), warnings=("self-harm", "abuse"),
        body="""\
People ask when I joined Stillwater. I didn't. My parents moved there when I was two, and
the commune is the only childhood I have. The children slept in a shared house from the age
of six, and the adults who looked after us changed every season, by the teacher's decision.

I want to be careful here, because parts of my childhood were happy: the river, the
vegetable beds, the older kids who taught me to read. I also want to be honest that there
was harm, and that it was kept quiet by everyone, including me.

In my last year there I went through a very dark time and I hurt myself. I am safe now, and
I have had good help. I mention it only because if you are in that place, you deserve help
too, and asking for it is not a betrayal of anyone.

I left at nineteen with a cousin who had already gone. I had no birth certificate in my own
hands, no school records and no idea how a bank account worked. The *Ask anything* board
here helped me with all three.
""",
        comments=(
            Note("maren_after", 3, "Thank you for holding both the river and the harm in "
                 "the same story. That's not easy."),
            Note("june_mod", 5, "Thank you for writing this, Ada. For anyone reading who is "
                 "struggling right now: please reach out to a local crisis line or someone you "
                 "trust. You matter here.", replies=(
                     Note("ada_outside", 2, "Thank you, June."),
                 )),
            Note("jonah_k", 28, "The paperwork part is so under-discussed. How long did it "
                 "take to get your birth certificate?", replies=(
                     Note("ada_outside", 4, "About four months. The registry office was kind "
                          "once I explained. I'll write it up on the board.", replies=(
                              Note("jonah_k", 3, "That would help a lot of people. Thank "
                                   "you.", replies=(
                                  Note("elif_writes", 10, "Seconding this. Please do."),
                              )),
                          )),
                 )),
        ),
    ),
    dict(
        author="elif_writes", days_ago=4, anonymous=False,
        title="Choosing my own clothes at thirty-four",
        summary="A small story about a blue coat.",
        groups=("Harvest Light Assembly",), warnings=(),
        body="""\
Last week I bought a coat. It is blue, and it is the first piece of clothing I have ever
chosen entirely by myself.

In the Assembly there were rules about length, colour and "modesty of spirit", and the
rules changed depending on who was watching. I learned to choose whatever would draw the
least comment. Eight months out, I still reach for grey.

I stood in the shop for forty minutes. I put the blue coat back twice. The assistant asked
if I was all right, and I said I was just deciding, and she said, "Take your time, it's your
coat." I nearly cried at the till.

It is a small thing. I think the small things are most of it.
""",
        comments=(
            Note("ada_outside", 2, "\"Take your time, it's your coat.\" What a lovely thing "
                 "for a stranger to say.", replies=(
                     Note("elif_writes", 1.5, "I think about her every time I put it on."),
                 )),
            Note("maren_after", 6, "I hope the coat is warm and very, very blue.",
                 replies=(
                     Note("elif_writes", 4, "It is both."),
                 )),
        ),
    ),
    dict(
        author="june_mod", days_ago=0.7, anonymous=True,
        title="Leaving with two children and one suitcase",
        summary="The night we left the Open Door, and the morning after.",
        groups=("The Fellowship of the Open Door",), warnings=("abuse",),
        body="""\
We left on a Sunday night because Sunday was the only evening the house leaders went to the
central meeting. I had packed one suitcase over three weeks, an item at a time, hidden in the
children's laundry.

My daughter was seven and my son was four. I told them we were going on an adventure. My
daughter asked if the elders knew. I said no, and she was quiet for the whole drive.

A women's refuge took us in that night. The worker on duty made the children toast and did
not ask a single question until the morning. I will remember her for the rest of my life.

We have been out for three years. The children are well. My daughter still asks sometimes
whether we are allowed to do things, and I tell her, every time, that we are.
""",
        comments=(
            Note("ruth_rebuilds", 2, "Every time. Yes. Thank you for this."),
            Note("maren_after", 5, "I was in a different Open Door house around that time. "
                 "I'm so glad you got out, and that the refuge worker was who she was.",
                 replies=(
                     Note("june_mod", 3, "Thank you. I think of everyone who was still in "
                          "those houses.", anonymous=True),
                 )),
        ),
    ),
)

THREADS = (
    dict(
        board="just-left", author="elif_writes", days_ago=12, anonymous=True,
        title="Day 12. Is it normal to miss it?",
        body="Twelve days out. I know why I left and I would not go back, but I miss the "
             "singing and I miss being sure about everything. Is that normal?",
        replies=(
            Note("maren_after", 2, "Completely normal. You can miss the good parts and still "
                 "be right to have left. Both are true.", replies=(
                     Note("elif_writes", 1, "Thank you. I needed to hear that both can be "
                          "true.", anonymous=True, replies=(
                              Note("ruth_rebuilds", 5, "Write down what you miss. Some of "
                                   "it you can find again outside: I joined a choir in my "
                                   "second year."),
                          )),
                 )),
            Note("june_mod", 20, "Welcome. Go gently with yourself. Eat something, sleep "
                 "when you can, and come back here whenever you like."),
        ),
    ),
    dict(
        board="family-and-friends", author="ruth_rebuilds", days_ago=16, anonymous=False,
        title="My sister is still inside. How do I keep the door open?",
        body="My younger sister is at level four in Bright Path. I don't want to lecture her "
             "and push her further in. What has helped people here stay in touch with someone "
             "who is still in?",
        replies=(
            Note("tomas_h", 3, "From the inside, what kept me connected was the one friend "
                 "who never argued about Meridian. She just kept inviting me to ordinary "
                 "things: walks, birthdays.", replies=(
                     Note("ruth_rebuilds", 2, "Ordinary things. I can do that.", replies=(
                         Note("tomas_h", 4, "And let her know, once, that you'll be there "
                              "whatever happens. Then don't keep repeating it."),
                     )),
                 )),
            Note("jonah_k", 30, "Keep your own life steady too. It helps to have a safe, "
                 "normal place for her to land if she leaves.", anonymous=True),
        ),
    ),
    dict(
        board="rebuilding", author="maren_after", days_ago=6, anonymous=False,
        title="Job interview with a nine-year gap on my CV",
        body="I have my first interview in years next week. How have people explained the "
             "gap? I don't want to lie, but I don't want to tell a stranger everything.",
        replies=(
            Note("ruth_rebuilds", 3, "I said I had worked for a small religious community "
                 "and then taken time to change direction. True, short, and nobody pushed.",
                 replies=(
                     Note("maren_after", 5, "That is a good formula. I kept the books for "
                          "the houses, so I can talk about that.", replies=(
                              Note("ruth_rebuilds", 2, "Exactly. That is real experience."),
                          )),
                 )),
            Note("tomas_h", 26, "You don't owe an interviewer your history. Good luck!"),
        ),
    ),
    dict(
        board="rebuilding", author="ada_outside", days_ago=3, anonymous=False,
        title="Getting documents when you were raised in a commune",
        body="As promised under my story: what worked for me to get a birth certificate, "
             "proof of address and a bank account with no records of my own.\n\n"
             "1. Start with the registry office where you were born and explain plainly.\n"
             "2. A letter from a doctor or a support worker can stand in for proof of "
             "address.\n3. Ask the bank for its \"basic account\": it needs less paperwork.",
        replies=(
            Note("jonah_k", 4, "Thank you for writing this up. Saving it."),
            Note("elif_writes", 20, "Number 2 is the one nobody told me. Thank you.",
                 replies=(
                     Note("ada_outside", 3, "It took me months to find out too."),
                 )),
        ),
    ),
    dict(
        board="ask-anything", author="jonah_k", days_ago=1.2, anonymous=False,
        title="Finding a therapist who understands high-control groups",
        body="Has anyone found a therapist who didn't need high-control groups explained "
             "from scratch? What did you ask in the first session to find out?",
        replies=(
            Note("ada_outside", 3, "I asked: \"Have you worked with people who left a "
                 "group like this, and what did you find helped them?\" The good ones "
                 "answered without judging the group or me.", replies=(
                     Note("jonah_k", 2, "That's a good question, thank you.", replies=(
                         Note("maren_after", 6, "Also fine to try two or three before you "
                              "settle. You're allowed to choose."),
                     )),
                 )),
            Note("tomas_h", 20, "Look for people trained in trauma work generally; that was "
                 "more useful to me than anyone who advertised a cult speciality.",
                 anonymous=True),
        ),
    ),
)


def _has_content() -> bool:
    """Tell whether anyone or anything is already stored."""
    try:
        return any(
            db.session.scalar(select(model.id).limit(1)) is not None
            for model in (User, Group, Board, Thread, Story)
        )
    except (OperationalError, ProgrammingError) as error:
        db.session.rollback()
        raise click.ClickException(
            "The database has no tables yet. Run `flask --app wsgi db upgrade` first."
        ) from error


def _schedule(notes, start: datetime, parent_key=None, out=None) -> list:
    """Flatten a reply tree into (time, key, parent key, note), children after parents."""
    out = [] if out is None else out
    for note in notes:
        when = start + timedelta(hours=note.hours)
        key = len(out)
        out.append((when, key, parent_key, note))
        _schedule(note.replies, when, key, out)
    return out


def _post_tree(people: dict, thread: Thread, notes, start: datetime, now: datetime) -> None:
    """Write a reply tree through the posting service, oldest post first, in the past."""
    made = {None: None}
    latest = now - timedelta(minutes=5)
    for when, key, parent_key, note in sorted(_schedule(notes, start), key=lambda s: s[:2]):
        made[key] = posting.reply(people[note.author], thread, made[parent_key], note.body,
                                  anonymous=note.anonymous, now=min(when, latest))


def _seed(now: datetime) -> None:
    """Write the demo groups, boards, accounts, stories and threads, dated before `now`."""
    for name, description in GROUPS:
        db.session.add(Group(name=name, slug=posting.slugify(name), description=description,
                             created_at=now - timedelta(days=64)))
    boards = {}
    for position, (name, slug, description) in enumerate(BOARDS):
        boards[slug] = Board(name=name, slug=slug, description=description, position=position)
        db.session.add(boards[slug])
    db.session.commit()

    people = {}
    for login, role, days, bio in USERS:
        user = register(login_name=login, handle=login, password=DEMO_PASSWORD, email=None,
                        now=now - timedelta(days=days))
        user.role, user.bio = role, bio
        people[login] = user
    db.session.commit()

    for spec in STORIES:
        published = now - timedelta(days=spec["days_ago"])
        story = posting.create_story(
            people[spec["author"]], title=spec["title"], summary=spec["summary"],
            body=spec["body"], warnings=list(spec["warnings"]), group_names=list(spec["groups"]),
            anonymous=spec["anonymous"], now=published,
        )
        _post_tree(people, story.thread, spec["comments"], published, now)

    for spec in THREADS:
        started = now - timedelta(days=spec["days_ago"])
        thread = posting.create_thread(
            people[spec["author"]], boards[spec["board"]], title=spec["title"],
            body=spec["body"], anonymous=spec["anonymous"], now=started,
        )
        _post_tree(people, thread, spec["replies"], started, now)


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True,
              help="Do nothing (and succeed) if the database already has content.")
@with_appcontext
def seed_demo(if_empty: bool) -> None:
    """Fill an empty database with demo groups, boards, accounts, stories and discussions."""
    if _has_content():
        if if_empty:
            click.echo("The database already has content; seed-demo left it as it is.")
            return
        raise click.ClickException(
            "The database already has content, so seed-demo did nothing. It only fills an "
            "empty database (use --if-empty to skip quietly)."
        )
    now = utcnow().replace(second=0, microsecond=0)
    try:
        # An administrator's command, not a client: eight sign-ups and dozens of posts in a
        # second would otherwise hit the registration and posting limits.
        with ratelimit.lifted():
            _seed(now)
    except Exception:
        db.session.rollback()
        # The posting service commits each write, so a failure leaves part of the demo behind.
        click.echo("seed-demo stopped partway and left some demo content behind. Empty the "
                   "database (for SQLite, delete the file), run `flask --app wsgi db upgrade`, "
                   "then seed-demo again.", err=True)
        raise

    stories = db.session.scalar(select(func.count(Story.id)))
    posts = db.session.scalar(select(func.count(Post.id)))
    click.echo(f"Demo content created: {len(GROUPS)} groups, {len(BOARDS)} boards, "
               f"{len(USERS)} accounts, {stories} stories, {posts} posts.")
    click.echo(f"Log in with any of these login names and the password {DEMO_PASSWORD!r}:")
    for login, role, _, _ in USERS:
        click.echo(f"  {login:<18} {role}")
