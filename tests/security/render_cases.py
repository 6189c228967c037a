"""The texts that cost markdown-it-py the most, at the longest length the site accepts, and
their render times, measured in a process of their own.

`python -m tests.security.render_cases` prints, as JSON, the CPU and wall time (ms) of
rendering each case, and its ratio to an ordinary story of the same length (measure). A fresh process is what a
server worker is; inside the test process the same render was seen to take two to four times
as long, and to vary with whichever tests ran before, which measured pytest, not the text.
"""
from __future__ import annotations

import gc
import json
import statistics
import time

from forum import text

MAX = 100_000  # MAX_BODY_CHARS: the longest text the site accepts (checked by the tests)


def fill(unit: str, n: int = MAX) -> str:
    return (unit * (n // len(unit) + 1))[:n]


def _lines(make, n: int = MAX) -> str:
    out, i = [], 0
    while sum(map(len, out)) < n:
        out.append(make(i))
        i += 1
    return "".join(out)[:n]


WORDS = "we left the group after years and my family never spoke of it again".split()


def _sentence(i: int, k: int = 6) -> str:
    return " ".join(WORDS[(i + j) % len(WORDS)] for j in range(k)).capitalize() + "."


# Every construct markdown-it-py spends more than linear or heavy linear time on, alone and
# combined, at the longest length a text may have.
WORST_CASES = {
    "runs of [": fill("["),
    "runs of ![": fill("!["),
    "[ between words": fill("a ["),
    "[ on every line": fill("[\n"),
    "[ then text": fill("[x"),
    "empty links []": fill("[]"),
    "[a]( never closed": fill("[a]("),
    "]( runs": fill("]("),
    "](< runs": fill("](<"),
    "[a](b \" titles never closed": fill('[a](b "'),
    "[a][ references": fill("[a]["),
    "reference definitions": fill("[a]: b\n"),
    "reference-like on one line": fill("[a]: "),
    "a* runs": fill("a*"),
    "**a runs": fill("**a"),
    "a_ runs": fill("a_"),
    "*_ alternating": fill("*_"),
    "_* alternating": fill("_* "),
    "* on every line": fill("*\n"),
    "~~ strike runs": fill("a~~"),
    "backtick runs": fill("`a"),
    "``a": fill("``a"),
    "`a``": fill("`a``"),
    "runs of <": fill("<"),
    "<a runs": fill("<a "),
    "<x> tags": fill("<x>"),
    "autolink-like <http": fill("<http://a "),
    "&# references": fill("&#"),
    "&amp; references": fill("&amp;"),
    "backslashes": fill("\\"),
    "quotes \"'": fill("\"'"),
    "hyphens a-b": fill("a-b "),
    "nested quotes on one line": fill("> "),
    "nested quotes on every line": fill(">" * 100 + " x\n"),
    "nested lists on one line": fill("- "),
    "nested lists by indentation": _lines(lambda i: "  " * (i % 40) + "- x\n"),
    "quote in list in quote": fill("> - "),
    "ordered lists": fill("1. "),
    "headings on every line": fill("# x\n"),
    "table rows": fill("| a |\n|-|\n"),
    "one line each": fill("x\n"),
    "fences opening and closing": fill("```\n"),
    "indented code": fill("    x = [a] * b\n"),
    "mixed openers": fill("[*_`<!["),
    "[*": fill("[*"),
    "*[": fill("*["),
    "links [a](b)": fill("[a](b) "),
    "paragraphs": fill("word word word.\n\n"),
    "[ then emphasis": "[" * (MAX // 2) + fill("a*", MAX // 2),
    "quote, list and every opener": fill("> - [*a_ `<&!\\\n"),
    "table of links and emphasis": "| a | b |\n|---|---|\n" + fill("| [x](y) | *z* |\n", MAX - 22),
    # The longest ordinary texts: they may end up as plain text, but never slowly.
    "long bulleted list": _lines(lambda i: f"- {_sentence(i)}\n"),
    "long nested list": _lines(lambda i: f"- {_sentence(i)}\n  - {_sentence(i + 1)}\n"),
    "long table": "| a | b | c |\n|---|---|---|\n" + _lines(
        lambda i: f"| {_sentence(i, 3)} | {_sentence(i + 2, 3)} | *x* |\n", MAX - 30),
    "long poem": _lines(lambda i: _sentence(i, 5) + ("\n\n" if i % 4 == 3 else "\n")),
    "long chat": _lines(lambda i: f"**Me:** {_sentence(i)}  \n"),
}

# An ordinary story: sentences in paragraphs, the longest a text may be; it formats in full.
BASELINE = _lines(lambda i: _sentence(i, 12) + ("\n\n" if i % 5 == 4 else " "))


def cpu_ms(source: str, runs: int = 3) -> tuple[float, float, bool]:
    """Median CPU time of this thread (what the render costs, whatever else runs on the
    machine) and wall time, in ms, of rendering `source`.

    The objects alive before the render are frozen out of the garbage collector's sight while
    it runs: otherwise each collection the render sets off walks whatever else the test process
    holds (every module and app of the suite), and the figure measures the heap, not the text."""
    cpu, wall = [], []
    for _ in range(runs):
        gc.collect()
        gc.freeze()
        try:
            started, started_cpu = time.perf_counter(), time.thread_time()
            rendered = text.render(source)
            cpu.append(time.thread_time() - started_cpu)
            wall.append(time.perf_counter() - started)
        finally:
            gc.unfreeze()
    return statistics.median(cpu) * 1000, statistics.median(wall) * 1000, rendered.formatted




def measure(bound: float = 14) -> dict:
    """Each case, with an ordinary story rendered just before it; every case is compared with
    the median of all those ordinary renders, so a machine that slows down or speeds up during
    the run (a shared core, a CPU's clock) weighs on the case and its yardstick alike.

    A case is rendered once; one that comes within half of `bound` times the yardstick is
    looked at closer (closer_look), so the cases that matter are measured with care, while the
    rest cost one render each."""
    cases, beside = {}, []
    for name, source in WORST_CASES.items():
        beside.append(cpu_ms(BASELINE, runs=1)[0])
        cases[name] = cpu_ms(source, runs=1)
    baseline = statistics.median(beside)
    measured = {name: (took, wall, formatted, took / baseline)
                for name, (took, wall, formatted) in cases.items()}
    for name, (_, _, _, ratio) in list(measured.items()):
        if ratio > bound / 2:
            measured[name] = closer_look(WORST_CASES[name])
    return {"baseline": baseline, "cases": measured}


def closer_look(source: str, rounds: int = 5) -> tuple[float, float, bool, float]:
    """The case's CPU and wall ms, and its ratio to an ordinary story rendered just before and
    just after it, in the round where that ratio was lowest of `rounds`. Another process on
    the same core slows this thread's CPU time too (CI runs the browser tests beside it): a
    slow moment weighs on a round, not on all five, while a text that really costs more costs
    more in every round."""
    best = None
    for _ in range(rounds):
        before = cpu_ms(BASELINE, runs=1)[0]
        took, wall, formatted = cpu_ms(source, runs=1)
        after = cpu_ms(BASELINE, runs=1)[0]
        ratio = took / ((before + after) / 2)
        if best is None or ratio < best[3]:
            best = (took, wall, formatted, ratio)
    return best


if __name__ == "__main__":
    print(json.dumps(measure()))
