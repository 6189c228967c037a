"""Fill a database with a realistic Afterward: accounts, stories, boards, threads, post trees.

    python bench/generate.py --posts 1000000 [--database-url URL] [--seed 1] [--reset]

The schema comes from the migrations (this script runs `flask db upgrade` on the URL first,
a no-op when it is current). Rows go in with bulk statements, never the ORM row by row:
COPY on PostgreSQL (psycopg), executemany on SQLite. The search index's triggers or GIN
indexes are dropped for the load and rebuilt at the end, in one pass.

Shape for --posts P (1,000,000 gives the figures in brackets): P/50 accounts [20,000], each
with a public handle, writing with a Zipf-like skew; P/100 stories [10,000], about 750 words
each, 15% anonymous, some drafts and hidden; P/20 board threads [50,000] on 12 boards; P/5000
groups [200]; posts of about 60 words in nested trees (depth, parent_id and materialised path
as the posting path sets them), 10% anonymous, 1% hidden, 1% deleted; thread post_count and
last_post_at right. Text is English-like with a Zipf word distribution (real words, mostly
on the site's topics, then a long tail of made-up ones), so search sees realistic postings. At every scale: one story with exactly 200 comments (slug `bench-200-comments`), one
board thread with exactly 150 posts (`Bench: one hundred and fifty posts`), one with exactly
2,000 (`Bench: two thousand posts`), and P/50,000 more with 2,000 to 4,000 posts. Writers
follow the threads they write in (the default), as the posting path would have recorded.
Not generated: reports, moderation log, revisions (tables start empty); notifications only
for the two known accounts below.

Two accounts are known (bench/run.py logs in with them; every generated account has the same
password, `bench-poster-password`):
- `bench_poster`: writes every tenth post of the 150-post thread (one of them under its
  pseudonym there), so its first page holds the reader's own posts; bench/run.py posts with it.
- `bench_reader`: has no post in that thread.
Both follow about 100 threads and have a notification for a few posts in each (274 each at
10k; the older half read), so the notifications page has grouped and read rows. These additions
draw from their own random generator; the 150-post thread's changed writers shift the
pseudonyms drawn after it, so a database made before differs from one made now (regenerate).
"""
from __future__ import annotations

import argparse
import bisect
import itertools
import os
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

from forum.models.content import Post, Story
from forum.names import ADJECTIVES, ANIMALS, name_key
from forum.text import cut
from forum.public_ids import new_public_id

POSTER_LOGIN = "bench_poster"
POSTER_PASSWORD = "bench-poster-password"
READER_LOGIN = "bench_reader"
NOTIFIED_THREADS = 100  # threads the two known accounts follow, each with a few notifications
STORY_200_SLUG = "bench-200-comments"
THREAD_150_TITLE = "Bench: one hundred and fifty posts"
THREAD_2000_TITLE = "Bench: two thousand posts"
MAX_DEPTH = 5  # the app's default: replies deeper than this attach beside their parent
SPAN_DAYS = 3 * 365
NOW = datetime(2026, 11, 25, 12, 0, 0)
BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"

COMMON = (
    "the and to of a i in was it that my we they for with me on but not be as had at this "
    "were all so what from have you there one when would our out about them is their no "
    "like if up just could by some more then how do time know even still because now did "
    "people after years felt way into who things only never being told back also over much "
    "first other think get very before us thought said life long made us say day again every "
    "something going left always many new same those these any through own most while"
).split()
TOPIC = (
    "family leaving left church group elders meeting meetings leader leaders community "
    "friends parents mother father sister brother children faith belief beliefs doubt doubts "
    "fear guilt shame freedom therapy therapist healing trauma shunning shunned shun control "
    "rules obedience sermon sermons prayer scripture congregation members member ex former "
    "outside world recovery anger grief loss loneliness trust identity wedding baptism "
    "compound farm commune teachings teacher master guru retreat study studies door knocking "
    "publishers pioneers kingdom hall bible doctrine prophecy armageddon ministry tithing "
    "donations money debt job school college education university books music television "
    "internet reading questions answers truth lies secrets silence voices dreams nightmares "
    "panic anxiety depression support reconnect reconnected cousin grandmother grandfather "
    "husband wife marriage divorce custody letter phone call visit holidays christmas "
    "birthday birthdays celebrate celebrating outsider worldly apostate disfellowshipped "
    "ostracised excommunicated judged judgment confession confessions discipline punishment "
    "counsel counselling elder overseer ranks hierarchy purity modesty dress clothes hair "
    "camp summer winter spring autumn village city moved moving house home apartment rent "
    "work working paid unpaid volunteer service duty duties loyalty loyal betrayal forgive "
    "forgiveness anger angry sad happy relief hope hopeful afraid scared brave courage "
    "journey path steps slowly finally today yesterday tomorrow morning evening night "
    "years months weeks decades childhood teenager adult grown kids daughter son baby "
    "name names newname identity self voice choice choices decide decided decision exit "
    "escape escaped stayed stay waiting wait years later writing story stories testimony"
).split()
SYLLABLES = ("ka lo mi ra ven to sel dar ith or un bel cor fen gal hal jor kel "
             "mar nor pel quin ros tal vor wen yar zel an ber cal dor").split()
TITLE_WORDS = [w for w in TOPIC if len(w) > 3]


def base36(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = BASE36[r] + out
    return out.rjust(7, "0")


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, total: int, label: str):
        self.total, self.label, self.done = total, label, 0
        self.start = self.last = time.monotonic()

    def update(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last > 0.5 or self.done >= self.total:
            self.last = now
            self.draw()

    def draw(self) -> None:
        frac = min(1.0, self.done / max(1, self.total))
        bar = "#" * int(frac * 30)
        elapsed = time.monotonic() - self.start
        rate = self.done / elapsed if elapsed else 0
        sys.stderr.write(f"\r{self.label:<10} [{bar:<30}] {frac:6.1%} "
                         f"{self.done:>11,}/{self.total:,} {elapsed:6.1f}s {rate:9,.0f}/s")
        sys.stderr.flush()

    def close(self) -> None:
        self.draw()
        sys.stderr.write("\n")


class Text:
    """Sentences of English-like text with a Zipf word distribution, for searchable bodies."""

    def __init__(self, rng: random.Random, pool: int = 30_000):
        tail = ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
                for _ in range(6000)]
        vocabulary = COMMON + TOPIC + list(dict.fromkeys(tail))
        weights = list(itertools.accumulate(1 / (i + 2) ** 1.05 for i in range(len(vocabulary))))
        self.rng = rng
        self.sentences = []
        for _ in range(pool):
            words = rng.choices(vocabulary, cum_weights=weights, k=rng.randint(5, 16))
            self.sentences.append(" ".join(words).capitalize() + ".")

    def paragraph(self, lo: int = 1, hi: int = 5) -> str:
        return " ".join(self.rng.choices(self.sentences, k=self.rng.randint(lo, hi)))

    def body(self, paragraphs: int, excerpt_chars: int) -> tuple[str, str, str]:
        """Markdown source, and the HTML and excerpt forum.text.render() gives for it (plain
        paragraphs of words and full stops, so the excerpt is their words, cut)."""
        paras = [self.paragraph() for _ in range(paragraphs)]
        return ("\n\n".join(paras), "".join(f"<p>{p}</p>\n" for p in paras),
                cut(" ".join(paras), excerpt_chars))

    def title(self) -> str:
        return " ".join(self.rng.sample(TITLE_WORDS, self.rng.randint(2, 6))).capitalize()


# --- the plan ---------------------------------------------------------------------------

class Plan:
    """Who writes what where, decided up front so ids, paths and counts are known."""

    def __init__(self, posts: int, rng: random.Random):
        self.rng = rng
        self.n_users = max(50, posts // 50)
        self.n_stories = max(10, posts // 100)
        self.n_board_threads = max(20, posts // 20)
        self.n_groups = max(10, posts // 5000)
        self.n_boards = 12
        self.n_posts = posts
        # user weights: a few people write a lot, most a little
        self.user_weights = list(itertools.accumulate(
            1 / (i + 10) for i in range(self.n_users)))

    def author(self) -> int:
        """A user id (1-based) drawn with the writing skew."""
        return bisect.bisect(self.user_weights, self.rng.random() * self.user_weights[-1]) + 1

    def thread_sizes(self) -> list[dict]:
        """Every thread with its kind and number of posts, in creation order."""
        rng = self.rng
        threads = [{"kind": "story", "posts": 0,
                    "state": rng.choices(("published", "draft", "hidden"), (96, 3, 1))[0]}
                   for _ in range(self.n_stories)]
        threads += [{"kind": "board", "posts": 1} for _ in range(self.n_board_threads)]
        fixed = []
        big = [2000] + [rng.randint(2000, 4000) for _ in range(self.n_posts // 50_000)]
        for size in big:
            fixed.append({"kind": "board", "posts": size})
        fixed[0]["special"] = THREAD_2000_TITLE
        fixed.append({"kind": "board", "posts": 150, "special": THREAD_150_TITLE})
        fixed.append({"kind": "story", "posts": 200, "special": STORY_200_SLUG,
                      "state": "published"})
        # The specials replace ordinary threads of their kind, so the totals stay P/20, P/100.
        threads = threads[: self.n_stories - 1] + threads[self.n_stories: -len(fixed) + 1]
        spare = self.n_posts - sum(t["posts"] for t in threads) - sum(t["posts"] for t in fixed)
        if spare < 0:
            raise SystemExit(f"--posts {self.n_posts} is too small for the fixed threads")
        # Heavy-tailed popularity: most threads get a few replies, some get hundreds.
        # Nobody comments on a draft.
        weights = list(itertools.accumulate(
            rng.paretovariate(1.3) * (0.6 if t["kind"] == "story" else 1.0)
            * (t.get("state") != "draft") for t in threads))
        for i in rng.choices(range(len(threads)), cum_weights=weights, k=spare):
            threads[i]["posts"] += 1
        for t in threads:  # cap the tail so only the named big threads pass 2,000
            t["posts"] = min(t["posts"], 1500)
        short = self.n_posts - sum(t["posts"] for t in threads) - sum(t["posts"] for t in fixed)
        for i in rng.choices(range(len(threads)), cum_weights=weights, k=short):
            threads[i]["posts"] += 1
        threads += fixed
        rng.shuffle(threads)
        starts = sorted(rng.random() * SPAN_DAYS for _ in threads)
        for t, start in zip(threads, starts):
            t["created_at"] = NOW - timedelta(days=SPAN_DAYS) + timedelta(days=start)
        return threads


# --- generating rows --------------------------------------------------------------------

class Generator:
    def __init__(self, posts: int, seed: int):
        self.rng = random.Random(seed)
        self.plan = Plan(posts, self.rng)
        self.text = Text(self.rng)
        self.users, self.handles, self.groups, self.boards = [], [], [], []
        self.threads, self.stories, self.story_groups, self.follows = [], [], [], []
        self.next_handle = 1
        self.anon: dict[tuple[int, int], int] = {}
        # The known accounts' extras draw from their own generator, so the rest is unchanged.
        self.extra_rng = random.Random(seed + 1_000_003)
        self.poster_uid = self.plan.n_users
        self.reader_uid = self.plan.n_users - 1
        self.notified: list[tuple[int, int, datetime]] = []  # thread id, post id, when
        self.notifications: list[tuple] = []

    # accounts --------------------------------------------------------------------------
    def make_users(self) -> None:
        password_hash = generate_password_hash(POSTER_PASSWORD, method="scrypt")
        for uid in range(1, self.plan.n_users + 1):
            login = {self.poster_uid: POSTER_LOGIN, self.reader_uid: READER_LOGIN}.get(
                uid, f"member{uid}")
            created = NOW - timedelta(days=SPAN_DAYS + 30) + timedelta(
                days=self.rng.random() * 30)
            self.users.append((uid, login, password_hash, None, "member", "", False, True,
                               False, None, created, None, None, 1))
            name = (f"{self.rng.choice(TITLE_WORDS).capitalize()} "
                    f"{self.rng.choice(TITLE_WORDS).capitalize()} {uid}")
            if uid == self.poster_uid:
                name = "Bench Poster"
            elif uid == self.reader_uid:
                name = "Bench Reader"
            self.handles.append((self.next_handle, uid, name, name_key(name), "public",
                                 None, created))
            self.next_handle += 1

    def handle_for(self, uid: int, thread_id: int, anonymous: bool, now: datetime) -> int:
        """The public handle id (= user id), or this user's pseudonym in this thread."""
        if not anonymous:
            return uid
        key = (uid, thread_id)
        if key not in self.anon:
            taken = self.taken.setdefault(thread_id, set())
            name = f"{self.rng.choice(ADJECTIVES)} {self.rng.choice(ANIMALS)}"
            while name_key(name) in taken:
                name = (f"{self.rng.choice(ADJECTIVES)} {self.rng.choice(ANIMALS)} "
                        f"{self.rng.randint(1, 9999)}")
            taken.add(name_key(name))
            self.handles.append((self.next_handle, uid, name, name_key(name), "anonymous",
                                 thread_id, now))
            self.anon[key] = self.next_handle
            self.next_handle += 1
        return self.anon[key]

    def make_groups_and_boards(self) -> None:
        for gid in range(1, self.plan.n_groups + 1):
            name = f"The {self.rng.choice(TITLE_WORDS).capitalize()} Fellowship {gid}"
            self.groups.append((gid, name, f"fellowship-{gid}", "A group people left.",
                                NOW - timedelta(days=SPAN_DAYS)))
        for bid in range(1, self.plan.n_boards + 1):
            name = f"{self.rng.choice(TITLE_WORDS).capitalize()} board {bid}"
            self.boards.append((bid, name, f"board-{bid}", "Talk about it here.", bid))

    # content ---------------------------------------------------------------------------
    def posts(self, progress: Progress):
        """Yield post rows thread by thread; fill threads, stories, follows on the way."""
        rng, plan = self.rng, self.plan
        self.taken: dict[int, set[str]] = {}
        post_id, story_id = 0, 0
        group_ids = range(1, plan.n_groups + 1)
        sizes = plan.thread_sizes()
        notify_chance = min(1.0, NOTIFIED_THREADS / len(sizes))
        for thread_id, t in enumerate(sizes, start=1):
            created = t["created_at"]
            starter = plan.author()
            if t.get("special") == THREAD_150_TITLE and starter == self.reader_uid:
                starter -= 2  # the reader writes nothing in that thread
            is_story = t["kind"] == "story"
            anonymous_start = rng.random() < (0.15 if is_story else 0.10)
            starter_handle = self.handle_for(starter, thread_id, anonymous_start, created)
            writers = {starter}
            title = self.text.title()
            if is_story:
                story_id += 1
                special = t.get("special")
                slug = special or f"{title.lower().replace(' ', '-')[:60]}-{story_id}"
                title = "A story with two hundred comments" if special else title
                body, html, excerpt = self.text.body(rng.randint(15, 35), Story.EXCERPT_CHARS)
                state = t["state"]
                self.stories.append((story_id, title, slug, self.text.paragraph(1, 2), body,
                                     html, excerpt, "", starter_handle, thread_id, state, False,
                                     created, None, new_public_id()))
                for gid in rng.sample(group_ids, rng.randint(1, 2)):
                    self.story_groups.append((story_id, gid))
                hidden = state == "hidden"
            else:
                title = t.get("special") or title
                hidden = "special" not in t and rng.random() < 0.005
            count, last = 0, created
            tree: list[tuple[int, int, str, int | None]] = []  # id, depth, path, parent id
            by_id: dict[int, tuple[int, int, str, int | None]] = {}
            when = created
            # Replies come hours apart, faster in a busy thread, and all before NOW: piling
            # the late ones onto one instant would make ties no real site has.
            room = (NOW - created).total_seconds() / 3600
            gap_hours = min(rng.uniform(0.5, 24), 0.8 * room / max(1, t["posts"]))
            bench_thread = t.get("special") == THREAD_150_TITLE
            notified = (not hidden and t.get("state") != "draft"
                        and self.extra_rng.random() < notify_chance)
            for i in range(t["posts"]):
                post_id += 1
                opening = i == 0 and not is_story
                if opening:
                    uid, handle_id = starter, starter_handle
                else:
                    uid, anonymous = plan.author(), rng.random() < 0.10
                    if bench_thread:
                        # The poster writes every tenth post here (its first page holds some,
                        # one under its pseudonym); the reader writes none.
                        if i % 10 == 3:
                            uid, anonymous = self.poster_uid, i == 13
                        elif uid in (self.poster_uid, self.reader_uid):
                            uid -= 2
                    handle_id = self.handle_for(uid, thread_id, anonymous, when)
                writers.add(uid)
                parent = None
                if not opening and tree and rng.random() < 0.65:
                    # Mostly answers to something recent, as in a live conversation.
                    parent = tree[-1 - int(rng.random() ** 2 * min(len(tree), 30))]
                    # The posting path: a reply to the deepest level attaches beside it.
                    while parent is not None and parent[1] >= MAX_DEPTH - 1:
                        parent = by_id.get(parent[3])
                depth = parent[1] + 1 if parent else 0
                path = (parent[2] if parent else "") + base36(post_id)
                node = (post_id, depth, path, parent[0] if parent else None)
                tree.append(node)
                by_id[post_id] = node
                state = rng.choices(("visible", "hidden", "deleted"), (98, 1, 1))[0]
                if state == "deleted":
                    body, html, excerpt = "", "", ""
                else:
                    body, html, excerpt = self.text.body(
                        rng.choices((1, 2, 3, 4), (45, 30, 15, 10))[0], Post.EXCERPT_CHARS)
                yield (post_id, thread_id, parent[0] if parent else None, handle_id, body,
                       html, excerpt, when, None, state, depth, path, new_public_id())
                if notified and state == "visible" and self.extra_rng.random() < 3 / t["posts"]:
                    self.notified.append((thread_id, post_id, when))
                count, last = count + 1, when
                when = max(when, min(NOW - timedelta(seconds=rng.randint(1, 3600)),
                                     when + timedelta(hours=rng.expovariate(1 / gap_hours))))
                progress.update()
            self.threads.append((thread_id, title, None if is_story else rng.randint(
                1, plan.n_boards), starter_handle, created, last, count, None, None, False,
                rng.random() < 0.002, hidden, new_public_id()))
            if notified:
                writers |= {self.poster_uid, self.reader_uid}
            for uid in writers:
                self.follows.append((uid, thread_id, None, created))

    def make_notifications(self) -> None:
        """The known accounts' notifications: a new post in a thread they follow, each; the
        older half read. Ids in time order, as the posting path makes them."""
        rows = sorted((when, uid, thread_id, post_id) for thread_id, post_id, when in self.notified
                      for uid in (self.poster_uid, self.reader_uid))
        for nid, (when, uid, thread_id, post_id) in enumerate(rows, start=1):
            read_at = when + timedelta(hours=2) if nid <= len(rows) // 2 else None
            self.notifications.append((nid, new_public_id(), uid, "followed", thread_id,
                                       post_id, None, None, when, read_at, None))


# --- writing to the database ------------------------------------------------------------

TABLES = {
    "users": "id login_name password_hash email role bio anonymous_by_default follow_on_write "
             "email_digest digest_sent_at created_at suspended_until suspension_reason "
             "session_version",
    "handles": "id user_id name name_key kind thread_id created_at",
    "groups": "id name slug description created_at",
    "boards": "id name slug description position",
    # Public ids come from the site's own drawing (secrets), not from the seeded generator:
    # the same seed still gives the same site, and they are as random as the site's.
    "threads": "id title board_id handle_id created_at last_post_at post_count locked_at "
               "lock_reason locked_by_author pinned hidden public_id",
    "stories": "id title slug summary body body_html excerpt content_warnings handle_id "
               "thread_id state noindex published_at edited_at public_id",
    "posts": "id thread_id parent_id handle_id body body_html excerpt created_at edited_at "
             "state depth path public_id",
    "story_groups": "story_id group_id",
    "follows": "user_id thread_id group_id created_at",
    "notifications": "id public_id user_id kind thread_id post_id recipient_handle_id reason "
                     "created_at read_at emailed_at",
}
CONTENT = ["notifications", "follows", "story_groups", "posts", "stories", "threads", "handles", "groups",
           "boards", "users"]


def check_columns(conn_columns) -> None:
    """Stop early if the schema has a required column this script does not fill."""
    for table, cols in TABLES.items():
        known = set(cols.split()) | {"id"}
        missing = [c for c, nullable in conn_columns(table) if c not in known and not nullable]
        if missing:
            raise SystemExit(f"{table} has columns this generator does not know: {missing}")


class PgSink:
    def __init__(self, url):
        import psycopg
        self.conn = psycopg.connect(url.set(drivername="postgresql").render_as_string(
            hide_password=False))
        cur = self.conn.cursor()
        # Bulk load: skip foreign-key triggers (the generator builds consistent rows) and
        # give index builds memory. Session settings only.
        cur.execute("SET session_replication_role = replica")
        cur.execute("SET maintenance_work_mem = '512MB'")
        cur.execute("SET synchronous_commit = off")

    def columns(self, table):
        cur = self.conn.execute(
            "SELECT column_name, is_nullable = 'YES' OR column_default IS NOT NULL "
            "FROM information_schema.columns WHERE table_name = %s", (table,))
        return cur.fetchall()

    def count(self, table) -> int:
        return self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def reset(self) -> None:
        self.conn.execute("TRUNCATE " + ", ".join(CONTENT) + " CASCADE")

    def load(self, table, rows) -> None:
        cols = TABLES[table].replace(" ", ", ")
        with self.conn.cursor().copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def finish(self) -> None:
        for table in CONTENT:
            if table != "story_groups":
                self.conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")
        self.conn.commit()


class SqliteSink:
    def __init__(self, url):
        import sqlite3
        self.conn = sqlite3.connect(url.database, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode = MEMORY")
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute("PRAGMA cache_size = -400000")
        self.conn.execute("BEGIN")

    def columns(self, table):
        return [(r[1], not r[3] or r[4] is not None or r[5])
                for r in self.conn.execute(f"PRAGMA table_info({table})")]

    def count(self, table) -> int:
        return self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def reset(self) -> None:
        for table in CONTENT:
            self.conn.execute(f"DELETE FROM {table}")

    def load(self, table, rows) -> None:
        cols = TABLES[table].split()
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        rows = iter(rows)
        while batch := list(itertools.islice(rows, 10_000)):
            self.conn.executemany(sql, batch)

    def finish(self) -> None:
        self.conn.execute("COMMIT")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="default: $DATABASE_URL, else bench/data/bench-<posts>.sqlite")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reset", action="store_true",
                        help="empty the content tables first instead of refusing")
    args = parser.parse_args()
    url_text = args.database_url or (
        f"sqlite:///{ROOT / 'bench' / 'data' / f'bench-{args.posts}.sqlite'}")
    url = make_url(url_text)
    if url.get_backend_name() == "sqlite":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)

    os.environ.setdefault("SECRET_KEY", "bench-generate")
    import flask_migrate

    from forum import create_app
    from forum.extensions import db
    from forum.search import index as search_index

    started = time.monotonic()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url_text})
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        search_index.pause(db.engine)  # indexing row by row during the load is slow
        db.engine.dispose()
    print(f"schema: migrations applied ({time.monotonic() - started:.1f}s)", file=sys.stderr)

    sink = PgSink(url) if url.get_backend_name().startswith("postgresql") else SqliteSink(url)
    check_columns(sink.columns)
    if sink.count("posts") or sink.count("users"):
        if not args.reset:
            raise SystemExit("the database has content already; use --reset to replace it")
        sink.reset()

    gen = Generator(args.posts, args.seed)
    gen.make_users()
    gen.make_groups_and_boards()
    t0 = time.monotonic()
    progress = Progress(args.posts, "posts")
    sink.load("posts", gen.posts(progress))
    progress.close()
    gen.make_notifications()
    for table in ("users", "handles", "groups", "boards", "threads", "stories",
                  "story_groups", "follows", "notifications"):
        sink.load(table, getattr(gen, table))
    sink.finish()
    loaded = time.monotonic() - t0
    print(f"rows: {len(gen.users):,} users, {len(gen.handles):,} handles "
          f"({len(gen.anon):,} anonymous), {len(gen.stories):,} stories, "
          f"{len(gen.threads):,} threads, {args.posts:,} posts, {len(gen.follows):,} follows, "
          f"{len(gen.notifications):,} notifications "
          f"({loaded:.1f}s)", file=sys.stderr)

    t1 = time.monotonic()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url_text})
    with app.app_context():
        print("search index: rebuilding ...", file=sys.stderr)
        search_index.rebuild(db.engine)
        if db.engine.dialect.name == "postgresql":
            # As autovacuum leaves a live database soon after rows arrive: with the
            # visibility map set, which index-only scans need (without it they read each
            # row in the table as well: the story page's "More from this group", 0.26 ms
            # against 0.22 a run at 1M posts). VACUUM runs outside a transaction.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            with db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        db.engine.dispose()
    print(f"search index and ANALYZE: {time.monotonic() - t1:.1f}s; "
          f"total {time.monotonic() - started:.1f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
