"""No enumeration: registration and log-in answer alike, and cost alike, whether a login name
exists or not. Login names are private: nothing may confirm that one is in use."""
from __future__ import annotations

import re
import statistics
import time

import pytest

import forum.models.accounts as accounts
from forum.auth.service import LOGIN_NAME_REFUSED
from tests.conftest import CSRF_RE, Browser
from tests.factories import PASSWORD, make_user

TOKEN = re.compile(r'value="[A-Za-z0-9._-]{40,}"')
STARTED = re.compile(r'name="started" type="hidden" value="[^"]*"')
# The form's one-time key (forum/submission_keys.py), new on every page.
ONCE = re.compile(r'name="once" value="[^"]*"')


@pytest.fixture
def existing(ctx):
    make_user("jane.doe", "Jane")
    return "jane.doe"


def register(person, login, handle="Fresh Face"):
    return person.submit("/auth/register", {
        "login_name": login, "handle": handle, "password": "Tall lamps over quiet water",
        "confirm": "Tall lamps over quiet water", "email": ""})


def normalised(response, typed: str) -> tuple[int, str]:
    """The answer with what varies by design (the fresh token, the echoed name) taken out."""
    page = TOKEN.sub('value="TOKEN"', response.get_data(as_text=True))
    # The second the form was shown (the bot gates' signed time), which ticks on by itself.
    page = STARTED.sub('name="started" type="hidden" value="STARTED"', page)
    page = ONCE.sub('name="once" value="ONCE"', page)
    return response.status_code, page.replace(f'value="{typed}"', 'value="TYPED"')


@pytest.fixture
def hashing(monkeypatch):
    """Counts of password hashes made and checked: the cost that would show in timing."""
    counts = {"made": 0, "checked": 0}
    make, check = accounts.generate_password_hash, accounts.check_password_hash

    def counted_make(*args, **kw):
        counts["made"] += 1
        return make(*args, **kw)

    def counted_check(*args, **kw):
        counts["checked"] += 1
        return check(*args, **kw)

    monkeypatch.setattr(accounts, "generate_password_hash", counted_make)
    monkeypatch.setattr(accounts, "check_password_hash", counted_check)
    return counts


# --- registration -----------------------------------------------------------------------

@pytest.mark.parametrize("login", [
    "jane.doe",    # taken
    "JANE.DOE",    # taken, other case
    "jane_doe",    # looks like the taken one
    "jane-d0e",    # looks like it too
    "admin",       # reserved; nobody has it
    "moderator",   # reserved
])
def test_every_unusable_login_name_gets_the_same_answer(person, existing, login):
    reference = normalised(register(person, "root"), "root")  # reserved, never an account
    response = register(person, login)
    assert response.status_code == 400
    assert LOGIN_NAME_REFUSED in response.get_data(as_text=True)
    assert normalised(response, login) == reference


def test_refusing_a_taken_login_name_costs_a_password_hash(person, existing, hashing):
    register(person, "jane.doe")
    assert hashing["made"] == 1, "a taken name was refused without hashing: faster than success"
    register(person, "someone.new")
    assert hashing["made"] == 2


@pytest.fixture
def few_refusals(app_config):
    app_config["REGISTER_REFUSED_LIMIT"] = "3 per hour"


def test_refused_login_names_are_rate_limited_for_every_name(few_refusals, person, existing):
    for name in ("jane.doe", "jane_doe", "admin"):
        assert register(person, name).status_code == 400
    # Now every attempt is refused alike, even with a name nobody has: no more probing.
    for name in ("jane.doe", "free.name.here"):
        assert register(person, name, handle="Another Face").status_code == 429


# --- log-in -----------------------------------------------------------------------------

def login(person, name, password="wrong password, long enough"):
    return person.submit("/auth/login", {"login_name": name, "password": password})


def test_login_answers_alike_for_unknown_names_and_wrong_passwords(person, existing):
    wrong = login(person, "jane.doe")
    unknown = login(person, "nobody.at.all")
    assert wrong.status_code == unknown.status_code == 400
    assert normalised(wrong, "jane.doe") == normalised(unknown, "nobody.at.all")


def test_login_checks_one_hash_either_way(person, existing, hashing):
    login(person, "jane.doe")
    assert hashing["checked"] == 1
    login(person, "nobody.at.all")
    assert hashing["checked"] == 2


@pytest.fixture
def real_hash_cost(app_config):
    """The production scrypt cost: the check must dwarf the request for timing to mean anything."""
    app_config["PASSWORD_HASH_METHOD"] = "scrypt"


def test_login_takes_as_long_for_unknown_names(real_hash_cost, person, existing):
    def median(name):
        times = []
        for _ in range(5):
            started = time.perf_counter()
            login(person, name)
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    known, unknown = median("jane.doe"), median("nobody.at.all")
    # Both are dominated by one scrypt check; far apart would mean one skipped it.
    assert 0.4 < unknown / known < 2.5, (known, unknown)


@pytest.fixture
def real_login_limits(app_config):
    app_config.update(LOGIN_ADDRESS_LIMIT="6 per minute;30 per hour",
                      LOGIN_NAME_LIMIT="10 per hour")


def test_login_limits_treat_known_and_unknown_names_alike(real_login_limits, app, existing):
    def attempts(name, address):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        statuses = []
        for _ in range(12):
            page = client.get("/auth/login").get_data(as_text=True)
            token = CSRF_RE.search(page)
            statuses.append(client.post("/auth/login", data={
                "login_name": name, "password": "wrong password, long enough",
                "csrf_token": token.group(1)}).status_code)
        return statuses

    known = attempts("jane.doe", "192.0.2.1")
    unknown = attempts("nobody.at.all", "192.0.2.2")
    assert known == unknown, (known, unknown)
    assert 429 in known  # the limits did come into play


def test_login_name_is_not_echoed_by_a_logged_in_page(person, existing):
    """Login names are private: not shown even to their owner's own pages beyond settings."""
    assert login(person, "jane.doe", PASSWORD).status_code == 302
    for url in ("/", "/u/Jane", "/stories/"):
        assert "jane.doe" not in person.get(url).get_data(as_text=True)


@pytest.fixture
def per_name_limits(app_config):
    app_config.update(LOGIN_PAIR_LIMIT="3 per 15 minutes", LOGIN_NAME_LIMIT="4 per hour",
                      LOGIN_PAIR_LIMIT_UNDER_ATTACK="1 per hour")


def test_login_refusals_per_name_read_alike_for_known_and_unknown_names(per_name_limits, app,
                                                                         existing):
    def attempts(name, first, second):
        """Guesses from `first` until it is refused, then from `second`: its name under attack."""
        answers = []
        for address in (first,) * 4 + (second,) * 2:
            client = app.test_client()
            client.environ_base["REMOTE_ADDR"] = address
            answers.append(login(Browser(client), name))
        return answers

    known = attempts("jane.doe", "192.0.2.1", "192.0.2.2")
    unknown = attempts("nobody.at.all", "192.0.2.3", "192.0.2.4")
    assert [r.status_code for r in known] == [400, 400, 400, 429, 400, 429]
    assert [r.status_code for r in unknown] == [400, 400, 400, 429, 400, 429]
    for mine, theirs in zip(known, unknown):
        assert normalised(mine, "jane.doe") == normalised(theirs, "nobody.at.all")
