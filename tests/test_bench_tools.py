"""bench/run.py's pure parts (arguments, --extra, --pages, the load summary) and the results
table (bench/table.py) and comparison (bench/compare.py), from a results-file fixture: no
server, no wrk."""
import json
import sys

import pytest

from bench import compare, run, table


def result(label="sqlite-10k", backend="sqlite", posts=10_000, **summary_over):
    summary = {
        "baseline": {"rps": 1000.0, "p50_ms": 7.0, "p99_ms": 11.0, "ratio_to_baseline": 1.0},
        "thread, 100 posts": {"rps": 900.0, "p50_ms": 8.0, "p99_ms": 19.0,
                              "ratio_to_baseline": 0.9},
        "thread, 100 posts, member": {"rps": 600.0, "p50_ms": 12.0, "p99_ms": 25.0,
                                      "ratio_to_baseline": 0.6},
        "flaskbb": {"rps": 250.0, "p50_ms": 30.0, "p99_ms": 50.0, "ratio_to_baseline": 0.25},
        "posting": {"rps": 260.0, "p50_ms": 30.0, "p99_ms": 50.0, "ratio_to_baseline": 0.26,
                    "posts_per_s": 255.0},
        **summary_over,
    }
    return {"label": label, "backend": backend, "posts": posts, "rounds": 3,
            "wrk": "wrk -t2 -c8 -d10s --latency", "summary": summary,
            "extras": {"flaskbb": "http://127.0.0.1:5000/topic/1"},
            "members": {"poster": "bench_poster", "poster_own_posts_on_page": 11,
                        "reader": "bench_reader"},
            "posting_checks": [{"ok": True}, {"ok": True}],
            "rss_mb": {"app": [80.4, 81.6], "baseline": [46.0, 46.0]},
            "loadavg": {"min": 1.2, "median": 1.8, "max": 2.61, "samples": 90,
                        "interval_s": 2.0}}


def test_defaults_and_quick():
    args = run.parse_args(["--database-url", "sqlite://"])
    assert (args.duration, args.rounds) == (10, 3)
    assert args.pages == run.PAGES and args.extra == []
    quick = run.parse_args(["--quick"])
    assert (quick.duration, quick.rounds) == (run.QUICK["duration"], run.QUICK["rounds"])
    assert run.parse_args(["--quick", "--rounds", "2"]).rounds == 2


def test_every_read_page_has_a_member_variant():
    for page in run.READ_PAGES:
        assert run.reader_of(page) is None
        assert run.reader_of(page + run.MEMBER) == "poster"
    assert {"group", "notifications, member"} <= set(run.PAGES)
    assert run.reader_of(run.NO_OWN_POSTS) == "reader"
    assert run.reader_of("notifications, member") == "poster"
    assert "notifications" not in run.PAGES  # members only


def test_pages_filter_keeps_the_baseline_and_the_canonical_order():
    args = run.parse_args(["--pages", "search, member,home"])
    assert args.pages == ["baseline", "home", "search, member"]
    assert "posting" not in args.pages
    args = run.parse_args(["--pages", "posting,home", "--skip-posting"])
    assert args.pages == ["baseline", "home"]
    assert "posting" not in run.parse_args(["--skip-posting"]).pages
    args = run.parse_args(["--pages", "thread, 100 posts, member, no own posts,thread, 100 posts"])
    assert args.pages == ["baseline", "thread, 100 posts", run.NO_OWN_POSTS]
    args = run.parse_args(["--pages", "members,home"])
    assert args.pages == ["baseline", "home"] + [p for p in run.PAGES if run.reader_of(p)]
    assert run.parse_pages("visitors") == run.READ_PAGES


def test_unknown_page_is_refused(capsys):
    with pytest.raises(SystemExit):
        run.parse_args(["--pages", "home,nowhere,search"])
    assert "nowhere" in capsys.readouterr().err


def test_extra_parsing():
    args = run.parse_args(["--extra", "flaskbb=http://127.0.0.1:5000/topic/1-a",
                           "--extra", " hello = http://127.0.0.1:8001/?a=b=c "])
    assert args.extra == [("flaskbb", "http://127.0.0.1:5000/topic/1-a"),
                          ("hello", "http://127.0.0.1:8001/?a=b=c")]


@pytest.mark.parametrize("value", ["flaskbb", "=http://x/", "flaskbb=", "x=ftp://host/",
                                   "home=http://127.0.0.1/"])
def test_bad_extra_is_refused(value):
    with pytest.raises(Exception):
        run.parse_extra(value)


def test_extra_names_must_differ():
    with pytest.raises(SystemExit):
        run.parse_args(["--extra", "a=http://x/", "--extra", "a=http://y/"])


def test_load_summary():
    assert run.load_summary([2.0, 1.0, 4.0], 2.0) == {
        "min": 1.0, "median": 2.0, "max": 4.0, "samples": 3, "interval_s": 2.0}


def test_load_sampler_samples_at_least_once():
    summary = run.LoadSampler(interval=0.01).start().stop()
    assert summary["samples"] >= 1 and summary["min"] <= summary["max"]


def test_summarise_gives_ratios_and_posting_rate():
    runs = {"baseline": [{"rps": 100, "p50_ms": 1, "p99_ms": 2}] * 3,
            "home": [{"rps": r, "p50_ms": 2, "p99_ms": 3} for r in (40, 60, 50)],
            "posting": [{"rps": 30, "p50_ms": 5, "p99_ms": 9, "posts_per_s": 25}]}
    summary = run.summarise(runs, ["baseline", "home", "posting"])
    assert summary["home"]["ratio_to_baseline"] == 0.5
    assert summary["posting"]["posts_per_s"] == 25


def test_report_lines_show_extras_load_memory_and_checks():
    text = "\n".join(run.report_lines(
        {**result(), "rss_mb": {"app": [80.4, 81.6], "baseline": [46.0]}}))
    assert "(extra: http://127.0.0.1:5000/topic/1)" in text
    assert "min 1.20, median 1.80, max 2.61" in text
    assert "app 80, 82; baseline 46" in text
    assert "every accepted post stored exactly once" in text
    assert "(255 posts/s)" in text and "11 own posts" in text


def test_markdown_table(tmp_path, capsys):
    files = []
    for label, backend, posts in (("sqlite-10k", "sqlite", 10_000),
                                  ("postgresql-1m", "postgresql", 1_000_000)):
        path = tmp_path / f"results-{label}.json"
        path.write_text(json.dumps(result(label, backend, posts)))
        files.append(str(path))
    old = result("postgresql-10k", "postgresql")
    del old["loadavg"], old["extras"], old["members"]
    old["loadavg_end"] = [2.0, 2.0, 2.0]
    old["summary"].pop("flaskbb")
    old_path = tmp_path / "old.json"
    old_path.write_text(json.dumps(old))
    table.main(files + [str(old_path)])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "| page | SQLite 10k | PostgreSQL 1M | PostgreSQL 10k |"
    assert lines[1] == "|---|---|---|---|"
    assert "| baseline | 1000 / 7.0 / 11 | 1000 / 7.0 / 11 | 1000 / 7.0 / 11 |" in lines
    assert ("| thread, 100 posts, member (11 own posts on the page) | 600 / 12.0 / 25 (0.60) "
            "| 600 / 12.0 / 25 (0.60) | 600 / 12.0 / 25 (0.60) |") in lines
    assert ("| flaskbb (extra: http://127.0.0.1:5000/topic/1) | 250 / 30.0 / 50 (0.25) "
            "| 250 / 30.0 / 50 (0.25) | - |") in lines
    posting = next(i for i, line in enumerate(lines) if line.startswith("| posting |"))
    assert lines[posting] == ("| posting | 255 posts/s / 30.0 / 50 | 255 posts/s / 30.0 / 50 "
                              "| 255 posts/s / 30.0 / 50 |")
    assert ("| load average (min / median / max) | 1.20 / 1.80 / 2.61 | 1.20 / 1.80 / 2.61 "
            "| at the end 2.00 |") in lines
    assert "| worker RSS MB after all rounds | app 80/82, baseline 46/46" in lines[posting + 2]
    assert lines[posting + 3].startswith("| posting check | stored exactly once |")


def test_markdown_table_gives_pss_where_the_run_read_it(tmp_path, capsys):
    path = tmp_path / "results-postgresql-1m.json"
    path.write_text(json.dumps({**result("postgresql-1m", "postgresql", 1_000_000),
                                "pss_mb": {"app": [70.2, 71.0], "baseline": [40.0, 40.0]}}))
    table.main([str(path)])
    assert ("| worker RSS MB after all rounds | app 80/82 (PSS 70/71), baseline 46/46 |"
            in capsys.readouterr().out.splitlines())


def test_compare_reads_new_and_old_files(tmp_path, capsys, monkeypatch):
    small, large = tmp_path / "a.json", tmp_path / "b.json"
    small.write_text(json.dumps(result()))
    old = result("sqlite-1m", posts=1_000_000, **{
        "thread, 100 posts": {"rps": 450.0, "p50_ms": 16.0, "p99_ms": 30.0,
                              "ratio_to_baseline": 0.45}})
    del old["loadavg"]
    large.write_text(json.dumps(old))
    monkeypatch.setattr(sys, "argv", ["compare.py", str(small), str(large)])
    compare.main()
    out = capsys.readouterr().out
    assert "sqlite-10k: load average 1.20 / 1.80 / 2.61" in out
    line = next(line for line in out.splitlines() if line.startswith("thread, 100 posts "))
    assert line.split()[5] == "2.00" and line.endswith("> 1.5")


def test_badge_check_fails_when_a_reader_sees_another_readers_badges():
    own = {"thread, 100 posts": 0, "thread, 100 posts, member": 11, run.NO_OWN_POSTS: 0}
    run.check_badges(own, 11, "now")
    run.check_badges({"thread, 100 posts": 0}, 11, "now")  # pages left out by --pages
    for leak in ({**own, run.NO_OWN_POSTS: 11}, {**own, "thread, 100 posts": 1},
                 {**own, "thread, 100 posts, member": 0}):
        with pytest.raises(SystemExit):
            run.check_badges(leak, 11, "now")


def test_goals():
    assert run.goals(result()) == {"pages_below_goal": {}, "posting_below_goal": False,
                                   "memory_over_goal": False}
    slow = result("postgresql-1m", "postgresql", 1_004_492, **{
        "thread, 100 posts, member": {"rps": 550.0, "p50_ms": 12.0, "p99_ms": 25.0,
                                      "ratio_to_baseline": 0.55},
        "posting": {"rps": 200.0, "p50_ms": 30.0, "p99_ms": 50.0, "ratio_to_baseline": 0.2,
                    "posts_per_s": 200.0}})
    slow["rss_mb"]["app"] = [99.0, 101.0]
    assert run.goals(slow) == {"pages_below_goal": {"thread, 100 posts, member": "0.55 < 0.6"},
                               "posting_below_goal": True, "memory_over_goal": True}
    text = "\n".join(run.report_lines(slow))
    assert "posting 200 posts/s (goal 250 on PostgreSQL at 1M): below" in text
    assert "worker memory goal under 100 MB (RSS: this file has no PSS): over" in text


def test_memory_is_judged_by_each_workers_share_where_the_run_read_it():
    shared = {**result(), "rss_mb": {"app": [108.0, 109.0], "baseline": [74.0, 74.0]},
              "pss_mb": {"app": [76.5, 77.2], "baseline": [40.0, 40.0]}}
    assert run.goals(shared)["memory_over_goal"] is False
    text = "\n".join(run.report_lines(shared))
    assert "worker RSS MB after all rounds: app 108, 109; baseline 74, 74" in text
    assert "worker PSS MB after all rounds: app 76, 77; baseline 40, 40" in text
    assert "worker memory goal under 100 MB (PSS): met" in text
    shared["pss_mb"]["app"] = [100.5, 90.0]
    assert run.goals(shared)["memory_over_goal"] is True


def test_posting_is_judged_on_postgresql_at_1m_only():
    slow = {"posting": {"rps": 160.0, "p50_ms": 40.0, "p99_ms": 90.0,
                        "ratio_to_baseline": 0.15, "posts_per_s": 163.0}}
    for label, backend, posts in (("sqlite-1m", "sqlite", 1_000_000),
                                  ("postgresql-10k", "postgresql", 10_000)):
        other = result(label, backend, posts, **slow)
        assert run.goals(other)["posting_below_goal"] is False
        assert ("posting 163 posts/s (goal 250 on PostgreSQL at 1M): not judged on this "
                "database") in "\n".join(run.report_lines(other))
    at_goal = result("postgresql-1m", "postgresql", 1_000_000, **slow)
    assert run.goals(at_goal)["posting_below_goal"] is True


def test_process_memory_reads_this_process():
    import os
    mine = run.process_memory(os.getpid())
    assert mine["rss"] >= mine["pss"] >= mine["private"] > 1


@pytest.mark.parametrize("sent, expected", [
    (["session=new.signed; HttpOnly; Path=/; SameSite=Lax"], "other=1; session=new.signed"),
    ([], "other=1; session=old.signed"),
    (["other=2; Path=/"], "other=1; session=old.signed"),
])
def test_renewed_keeps_the_session_cookie_the_site_last_sent(sent, expected):
    """Members' pages are read with the session cookie a browser would hold: the one the site
    sent last, not the one from the login (which the site signs again on every request once
    its minute has passed)."""
    import http.server
    import threading

    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.headers["Cookie"])
            self.send_response(200)
            for header in sent:
                self.send_header("Set-Cookie", header)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/page"
        assert run.renewed(url, "other=1; session=old.signed") == expected
    finally:
        server.shutdown()
    assert seen == ["other=1; session=old.signed"]


def test_posting_checks_line_says_failed_with_the_checks_when_one_failed():
    ok = {"ok": True, "stored": 10}
    bad = {"ok": False, "stored": 9, "accepted": 10}
    assert run.posting_checks_line([ok, ok]) == (
        "posting checks: every accepted post stored exactly once")
    assert run.posting_checks_line([ok, bad]) == f"posting checks: FAILED {[ok, bad]}"
