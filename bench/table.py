"""Print bench/RESULTS.md's results table (markdown) from bench/run.py's results files.

    python bench/table.py [FILE ...]

Default files: bench/results-{sqlite,postgresql}-{10k,1m}.json, those that exist, one column
each. A cell is `req/s / p50 ms / p99 ms (x baseline)`; posting gives posts/s. Below the pages:
the load average during each run (min / median / max, when the file has it), resident memory
per worker after all rounds, and the posting check.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = [ROOT / "bench" / f"results-{backend}-{size}.json"
           for backend in ("sqlite", "postgresql") for size in ("10k", "1m")]


def title(result: dict) -> str:
    backend = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(result["backend"],
                                                                   result["backend"])
    posts = result["posts"]
    size = f"{posts // 1_000_000}M" if posts >= 1_000_000 else f"{posts // 1000}k"
    return f"{backend} {size}"


def cell(name: str, med: dict | None) -> str:
    if med is None:
        return "-"
    if name == "baseline":
        return f"{med['rps']:.0f} / {med['p50_ms']:.1f} / {med['p99_ms']:.0f}"
    if name == "posting":
        return f"{med['posts_per_s']:.0f} posts/s / {med['p50_ms']:.1f} / {med['p99_ms']:.0f}"
    return (f"{med['rps']:.0f} / {med['p50_ms']:.1f} / {med['p99_ms']:.0f} "
            f"({med['ratio_to_baseline']:.2f})")


def page_label(name: str, results: list[dict]) -> str:
    """The row's name; member rows say who reads them."""
    extra = next((r["extras"][name] for r in results if name in r.get("extras", {})), None)
    if extra:
        return f"{name} (extra: {extra})"
    members = next((r["members"] for r in results if r.get("members")), None)
    if members and name.endswith(", member") and name != "notifications, member":
        own = members.get("poster_own_posts_on_page")
        if name == "thread, 100 posts, member" and own:
            return f"{name} ({own} own posts on the page)"
    if name.endswith("no own posts") and members and members.get("reader"):
        return f"{name} ({members['reader']})"
    return name


def markdown(results: list[dict]) -> str:
    """The table: pages in the order the runs have them (posting last), one column a file."""
    names: list[str] = []
    for result in results:
        names += [n for n in result["summary"] if n not in names and n != "posting"]
    if any("posting" in r["summary"] for r in results):
        names.append("posting")
    lines = ["| page | " + " | ".join(title(r) for r in results) + " |",
             "|---" * (len(results) + 1) + "|"]
    for name in names:
        lines.append(f"| {page_label(name, results)} | "
                     + " | ".join(cell(name, r["summary"].get(name)) for r in results) + " |")

    def load(r):
        la = r.get("loadavg")
        if not la:
            end = r.get("loadavg_end")
            return f"at the end {end[0]:.2f}" if end else "-"
        return f"{la['min']:.2f} / {la['median']:.2f} / {la['max']:.2f}"

    def rss(r):
        pss = r.get("pss_mb")
        return "app " + "/".join(f"{m:.0f}" for m in r["rss_mb"]["app"]) \
            + (" (PSS " + "/".join(f"{m:.0f}" for m in pss["app"]) + ")" if pss else "") \
            + ", baseline " + "/".join(f"{m:.0f}" for m in r["rss_mb"]["baseline"])

    def checks(r):
        c = r.get("posting_checks") or []
        if not c:
            return "-"
        return "stored exactly once" if all(x["ok"] for x in c) else "**FAILED**"

    for label, fn in (("load average (min / median / max)", load),
                      ("worker RSS MB after all rounds", rss), ("posting check", checks)):
        lines.append(f"| {label} | " + " | ".join(fn(r) for r in results) + " |")
    lines.append("")
    lines.append("Cells: req/s / p50 ms / p99 ms (req/s as a ratio to the baseline in the same "
                 "run); " + "; ".join(f"{title(r)}: median of {r['rounds']} rounds of "
                                     f"`{r['wrk']}`" for r in results) + ".")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    paths = [Path(p) for p in (sys.argv[1:] if argv is None else argv)] or \
        [p for p in DEFAULT if p.exists()]
    if not paths:
        raise SystemExit("no results files")
    print(markdown([json.loads(p.read_text()) for p in paths]))


if __name__ == "__main__":
    main()
