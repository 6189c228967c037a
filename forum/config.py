"""Settings read from the environment, with safe defaults for one machine."""
import os
import secrets
from datetime import timedelta
from pathlib import Path

from .siteurl import DEFAULT_SITE_URL


def _int(name, default):
    return int(os.environ.get(name, default))


def _secret_key(instance_path: Path) -> str:
    """Use SECRET_KEY from the environment, else one generated once into instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _site_url() -> str:
    """SITE_URL; a production setup (DATABASE_URL set) must say it, the default is for one machine."""
    if os.environ.get("DATABASE_URL") and not os.environ.get("SITE_URL"):
        raise RuntimeError(
            "SITE_URL is not set. With DATABASE_URL set this is a production setup, and feeds, "
            "the sitemap and email need the site's public address: SITE_URL=https://... "
            "(see README.md, Production).")
    return os.environ.get("SITE_URL") or DEFAULT_SITE_URL


def _engine_options(url: str) -> dict:
    """SQLAlchemy engine options; on PostgreSQL, each worker's connection pool as configured.

    A sync gunicorn worker holds at most one connection per request and one for its background
    thread, so a small pool suffices. In the worst case PostgreSQL sees hosts x workers x
    (DATABASE_POOL_SIZE + DATABASE_MAX_OVERFLOW) connections, which with a reserve for admin
    tools must stay below its max_connections (README.md, "Database connections").
    DATABASE_PGBOUNCER=1 (PgBouncer in transaction mode in front): no server-side prepared
    statements, which PgBouncer before 1.21 cannot carry from one transaction to the next."""
    options: dict = {}  # no pool_pre_ping: forum/pool.py pings only an idle connection
    if url.startswith("postgresql"):
        options.update(pool_size=_int("DATABASE_POOL_SIZE", 5),
                       max_overflow=_int("DATABASE_MAX_OVERFLOW", 10),
                       pool_timeout=_int("DATABASE_POOL_TIMEOUT", 30))
        if os.environ.get("DATABASE_PGBOUNCER", "0") == "1":
            options["connect_args"] = {"prepare_threshold": None}
    return options


def load(instance_path: str) -> dict:
    """Build the configuration mapping for create_app()."""
    instance = Path(instance_path)
    secure = os.environ.get("SECURE_COOKIES", "0") == "1"
    database_url = os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'afterward.sqlite'}")
    return {
        "SECRET_KEY": _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url),
        # A pooled connection idle this many seconds is checked before use (forum/pool.py).
        "DATABASE_PING_AFTER": float(os.environ.get("DATABASE_PING_AFTER", "1")),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # A Redis that stops answering must not hang a request: fail fast, fall back to memory.
        "RATELIMIT_STORAGE_OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        "RATELIMIT_RECHECK_SECONDS": _int("RATELIMIT_RECHECK_SECONDS", 5),
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1") == "1",
        "RATELIMIT_HEADERS_ENABLED": False,
        # Posting limits per account, after Discourse's defaults. An account is "new" while it
        # is younger than NEW_ACCOUNT_HOURS or has fewer than NEW_ACCOUNT_POSTS posts.
        "NEW_ACCOUNT_HOURS": _int("NEW_ACCOUNT_HOURS", 24),
        "NEW_ACCOUNT_POSTS": _int("NEW_ACCOUNT_POSTS", 3),
        # An established member: an account older than ESTABLISHED_DAYS with writing of its
        # own still shown (forum/posting/refusals.is_established). Their report that an item
        # identifies someone hides it at once, pending review (forum/moderation/outing.py), as
        # do OUTING_REPORTERS different members' reports; a moderator may open a heated
        # discussion to established members only (forum/moderation/pace.py).
        "ESTABLISHED_DAYS": _int("ESTABLISHED_DAYS", 30),
        "OUTING_REPORTERS": _int("OUTING_REPORTERS", 2),
        # A new account's first APPROVE_FIRST_POSTS writings (posts, threads, stories) wait
        # for a moderator before anyone else sees them; 0 turns review off. The default of
        # the admin's setting (/admin/settings); read only through
        # forum/posting/review.first_posts_to_review().
        "APPROVE_FIRST_POSTS": _int("APPROVE_FIRST_POSTS", 3),
        "POST_INTERVAL": _int("POST_INTERVAL", 5),
        "NEW_POST_INTERVAL": _int("NEW_POST_INTERVAL", 30),
        "TOPICS_PER_DAY": _int("TOPICS_PER_DAY", 20),
        "FIRST_DAY_TOPICS": _int("FIRST_DAY_TOPICS", 3),
        "FIRST_DAY_REPLIES": _int("FIRST_DAY_REPLIES", 10),
        "EDIT_LIMIT": os.environ.get("EDIT_LIMIT", "1 per 2 seconds;60 per hour"),
        # Draft saves, by hand or every 30 seconds by autosave.
        "DRAFT_LIMIT": os.environ.get("DRAFT_LIMIT", "1 per 5 seconds;300 per hour"),
        # Previews: each renders the whole text, as posting does.
        "PREVIEW_LIMIT": os.environ.get("PREVIEW_LIMIT", "1 per 2 seconds;120 per hour"),
        "AUTOSAVE_SECONDS": _int("AUTOSAVE_SECONDS", 30),
        "REPORT_LIMIT": os.environ.get("REPORT_LIMIT", "1 per 5 seconds;20 per day"),
        "CONTACT_LIMIT": os.environ.get("CONTACT_LIMIT", "1 per 10 seconds;20 per day"),
        # Quiet support and "I lived this too", pressed or taken back (forum/reactions/): a
        # reader may press several in a row, so no interval; a long window stops a script.
        "REACTION_LIMIT": os.environ.get("REACTION_LIMIT", "30 per minute;300 per hour"),
        # Limits per network address. A shelter, a library, a campus or a mobile carrier puts
        # many people behind one address, so these only stop floods: long windows, no short
        # interval (one person's post must never make another wait, nor use up their quota),
        # each sized for some 30 people writing busily at once:
        #   replies: 10 an hour each (a reply every 6 minutes, all hour long), 300 in all;
        #   stories and threads: 3 a day each (the first-day allowance), about 100;
        #   edits: 20 an hour each, 600; reports: 200 a day; draft saves: autosave's 120 an hour
        #   each, 3,600. Accounts: a handful of newcomers on a busy day, 10. Log-ins: 100 an hour
        #   and 500 a day, every attempt counted, which also caps how many passwords one address
        #   can try across login names (one name from one address: LOGIN_PAIR_LIMIT below).
        # A refusal from one of these says only that the address reached its limit: nothing
        # about who else wrote or when (forum/ratelimit.py gives the whole window as the wait).
        "ADDRESS_REPLIES_PER_HOUR": _int("ADDRESS_REPLIES_PER_HOUR", 300),
        "ADDRESS_TOPICS_PER_DAY": _int("ADDRESS_TOPICS_PER_DAY", 100),
        "ADDRESS_EDIT_LIMIT": os.environ.get("ADDRESS_EDIT_LIMIT", "600 per hour"),
        "ADDRESS_REPORT_LIMIT": os.environ.get("ADDRESS_REPORT_LIMIT", "200 per day"),
        # Messages to the moderators, from members and from visitors without an account, and
        # visitors' codes tried, per network address (forum/contact/service.py).
        "ADDRESS_CONTACT_LIMIT": os.environ.get("ADDRESS_CONTACT_LIMIT", "30 per day"),
        "CONTACT_CODE_LIMIT": os.environ.get("CONTACT_CODE_LIMIT", "20 per hour"),
        "ADDRESS_DRAFT_LIMIT": os.environ.get("ADDRESS_DRAFT_LIMIT", "3600 per hour"),
        # Previews: PREVIEW_LIMIT's 120 an hour each, 3,600.
        "ADDRESS_PREVIEW_LIMIT": os.environ.get("ADDRESS_PREVIEW_LIMIT", "3600 per hour"),
        "ADDRESS_REACTION_LIMIT": os.environ.get("ADDRESS_REACTION_LIMIT", "3000 per hour"),
        "REGISTER_LIMIT": os.environ.get("REGISTER_LIMIT", "10 per day"),
        # Login names refused at registration, per address: slows testing which ones exist.
        # Only a name that is taken or reserved counts, which people rarely pick by chance.
        "REGISTER_REFUSED_LIMIT": os.environ.get("REGISTER_REFUSED_LIMIT", "10 per hour;20 per day"),
        "LOGIN_ADDRESS_LIMIT": os.environ.get("LOGIN_ADDRESS_LIMIT", "100 per hour;500 per day"),
        # Failed log-ins with one login name from one address: what refuses a guesser.
        "LOGIN_PAIR_LIMIT": os.environ.get("LOGIN_PAIR_LIMIT", "5 per 15 minutes"),
        # Failed log-ins with one login name from every address together. A full count never
        # refuses anyone (its owner must always get in): it marks the name as under attack, and
        # then each address gets LOGIN_PAIR_LIMIT_UNDER_ATTACK for it, so a botnet gets one
        # guess per address per hour while the owner, from any address that has not failed,
        # logs in with the right password.
        "LOGIN_NAME_LIMIT": os.environ.get("LOGIN_NAME_LIMIT", "10 per hour"),
        "LOGIN_PAIR_LIMIT_UNDER_ATTACK": os.environ.get("LOGIN_PAIR_LIMIT_UNDER_ATTACK",
                                                        "1 per hour"),
        # Tries with the current password (changing it, deleting the account), per account: a
        # borrowed, logged-in browser must not make guessing it quick.
        "PASSWORD_CHECK_LIMIT": os.environ.get("PASSWORD_CHECK_LIMIT", "10 per hour"),
        # Wrong two-step codes, per account and per address (after the password was right):
        # with six digits, ten tries in a quarter hour leave a guesser about one in 100,000.
        "TWO_STEP_LIMIT": os.environ.get("TWO_STEP_LIMIT", "10 per 15 minutes;40 per day"),
        "TWO_STEP_ADDRESS_LIMIT": os.environ.get("TWO_STEP_ADDRESS_LIMIT", "50 per hour"),
        # Downloads of one's data, per account: each reads every row the account has.
        "EXPORT_LIMIT": os.environ.get("EXPORT_LIMIT", "10 per hour"),
        # Blog uploads from Settings, per account: each is read through twice in its request.
        "BLOG_UPLOAD_LIMIT": os.environ.get("BLOG_UPLOAD_LIMIT", "5 per hour;20 per day"),
        # Bookmarks kept or removed, per account: a toggle, so generous, but not a script's.
        "BOOKMARK_LIMIT": os.environ.get("BOOKMARK_LIMIT", "60 per minute;600 per day"),
        # Confirmation links, per account and per address they go to: nobody can use the
        # site to fill someone else's inbox by typing their address again and again.
        "EMAIL_CONFIRM_LIMIT": os.environ.get("EMAIL_CONFIRM_LIMIT", "3 per hour;10 per day"),
        # Password-reset mails per account; past it, requests are answered alike and no mail
        # goes out (a refusal would tell that the account exists).
        "RESET_MAIL_LIMIT": os.environ.get("RESET_MAIL_LIMIT", "1 per 5 minutes;6 per day"),
        # Quiet bot gates (forum/gates.py), no outside service: a form sent sooner than
        # FORM_MIN_SECONDS after it was shown, or with the hidden "leave this empty" field
        # filled in, is refused with a neutral "try again in a moment", its text kept. Both
        # apply to registration and to the writing forms of accounts not yet established.
        "FORM_MIN_SECONDS": _int("FORM_MIN_SECONDS", 3),
        # Accounts not yet established may put at most this many links in one post or story
        # (the admin can change it in /admin/settings); the same text sent twice by one
        # account within DUPLICATE_WINDOW minutes is refused the second time.
        "YOUNG_ACCOUNT_LINKS": _int("YOUNG_ACCOUNT_LINKS", 2),
        "DUPLICATE_WINDOW": _int("DUPLICATE_WINDOW", 10),
        # How people join: "open", "approval" (a moderator reads why they are here) or
        # "invitation" (a single-use code). The admin changes it in /admin/settings; this is
        # the value until they do.
        "REGISTRATION_MODE": os.environ.get("REGISTRATION_MODE", "open"),
        # Whether established members may make invitation codes, and how long a code lasts.
        "MEMBERS_MAY_INVITE": os.environ.get("MEMBERS_MAY_INVITE", "0") == "1",
        "INVITE_DAYS": _int("INVITE_DAYS", 14),
        # Invitation codes one account may make, and wrong codes tried per network address.
        "INVITE_LIMIT": os.environ.get("INVITE_LIMIT", "1 per 5 seconds;10 per day"),
        "INVITE_CODE_LIMIT": os.environ.get("INVITE_CODE_LIMIT", "10 per hour;30 per day"),
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        "SITE_NAME": os.environ.get("SITE_NAME", "Afterward"),
        # Where "Leave this site" goes: a busy, ordinary page that draws no second look.
        "QUICK_EXIT_URL": os.environ.get("QUICK_EXIT_URL", "https://www.bbc.co.uk/weather"),
        # The admin's own support.md / safety.md here replace the texts shipped in forum/pages/.
        "SITE_TEXT_DIR": os.environ.get("SITE_TEXT_DIR", str(instance)),
        # Threads nest this many levels; a reply to the deepest level attaches beside it.
        "MAX_DEPTH": _int("MAX_DEPTH", 5),
        "POSTS_PER_PAGE": _int("POSTS_PER_PAGE", 100),
        # Rendered post trees kept per process for readers who are not logged in
        # (forum/threads/cache.py), in bytes of their UTF-8: about 40 pages of 100 posts. 0 turns
        # it off.
        "TREE_CACHE_CHARS": _int("TREE_CACHE_CHARS", 4_000_000),
        # The same for logged-in members (one copy per thread page and per set of things its
        # reader may do there: reply, report, moderate, see hidden posts), in bytes of memory:
        # about 30 pages of 100 posts. 0 turns it off. Both full, a worker stays near 90 MB.
        "MEMBER_TREE_CACHE_BYTES": _int("MEMBER_TREE_CACHE_BYTES", 6_000_000),
        # Every page's header and footer, kept per language and kind of reader
        # (forum/frame.py), in bytes of memory: a copy takes 5 to 12 kB, so some hundred
        # copies; the quiet-support sections under stories share the bound (about 2 kB each,
        # forum/reactions/support.py). 0 renders them all on every page.
        "FRAME_CACHE_BYTES": _int("FRAME_CACHE_BYTES", 1_000_000),
        # What searches made lately, kept per process (forum/search/results.py, kept.py):
        # excerpts and lists of results as HTML, keyed by what they show, and pages answered,
        # used while the database has not changed; in bytes of memory: some 300 pages of 20
        # results. 0 turns it off.
        "SEARCH_CACHE_BYTES": _int("SEARCH_CACHE_BYTES", 4_000_000),
        # Members' signed CSRF tokens kept per process, one per logged-in session token, so
        # that each is signed once, not on every page (forum/csrf_tokens.py): about 200 bytes
        # each. 0 signs every time.
        "CSRF_TOKENS_KEPT": _int("CSRF_TOKENS_KEPT", 4096),
        "ITEMS_PER_PAGE": _int("ITEMS_PER_PAGE", 20),
        # 100,000 characters of Markdown must fit, with room for multi-byte text: a browser
        # percent-encodes each UTF-8 byte, so 100,000 emoji arrive as 1.2 MB of form data.
        "MAX_BODY_CHARS": _int("MAX_BODY_CHARS", 100_000),
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024),
        # A member's own blog, uploaded from Settings > Bring your blog (forum/profiles/
        # blog_uploads.py): the only request allowed a larger body, and the most it imports
        # within one request (gunicorn's 30 s timeout). A bigger blog comes in through the
        # administrator's `flask import-wxr`, which has no such limits.
        "WXR_UPLOAD_MAX_BYTES": _int("WXR_UPLOAD_MAX_BYTES", 20 * 1024 * 1024),
        "WXR_UPLOAD_MAX_POSTS": _int("WXR_UPLOAD_MAX_POSTS", 300),
        "WXR_UPLOAD_MAX_COMMENTS": _int("WXR_UPLOAD_MAX_COMMENTS", 6_000),
        # Werkzeug refuses a form larger than this even under MAX_CONTENT_LENGTH (default 500 kB).
        "MAX_FORM_MEMORY_SIZE": _int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024),
        # Every absolute link (feeds, sitemap, robots.txt, email) starts with SITE_URL, never
        # with the Host a request names; hosts outside TRUSTED_HOSTS (comma-separated; by
        # default SITE_URL's host, or localhost and 127.0.0.1 for a loopback SITE_URL) get 400.
        "SITE_URL": _site_url(),
        "TRUSTED_HOSTS": [host.strip().lower() for host in
                          os.environ.get("TRUSTED_HOSTS", "").split(",") if host.strip()],
        # Email is optional and off by default: the link that confirms an address, the daily
        # digest, a notice when the password or the email address of an account changes, and
        # a password-reset link asked for on /auth/reset are all it ever sends.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "0") == "1",
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Afterward <no-reply@localhost>"),
        # werkzeug's scrypt (N=2**15, r=8, p=1). Tests lower N to stay fast.
        "PASSWORD_HASH_METHOD": os.environ.get("PASSWORD_HASH_METHOD", "scrypt"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        # Over HTTPS the __Host- prefix makes a browser take these cookies only from this very
        # host, so neither the network nor a sibling subdomain can plant a session of its own.
        "SESSION_COOKIE_NAME": "__Host-session" if secure else "session",
        "REMEMBER_COOKIE_NAME": "__Host-remember_token" if secure else "remember_token",
        # Pages send no Referer (Referrer-Policy: no-referrer), so Flask-WTF's HTTPS referrer
        # check would refuse every form. SameSite cookies, the token, and refusing writes that
        # browsers mark as cross-site (forum/security.py) do that job instead.
        "WTF_CSRF_SSL_STRICT": False,
        "REMEMBER_COOKIE_DURATION": timedelta(days=_int("REMEMBER_DAYS", 14)),
        # A login lasts at most SESSION_HOURS (REMEMBER_DAYS with "keep me logged in"), and a
        # login without "keep me logged in" ends after SESSION_IDLE_MINUTES without a request.
        # Both are kept in the signed session cookie, never in the database.
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=_int("SESSION_HOURS", 12)),
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=_int("SESSION_IDLE_MINUTES", 120)),
        # A form stays valid as long as the session: long testimonies take time to write.
        "WTF_CSRF_TIME_LIMIT": None,
    }
