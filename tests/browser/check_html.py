"""The Nu HTML Checker (vnu, from npm's vnu-jar, on Debian's Java) over every page the browser
tests were served: `python tests/browser/check_html.py` after `pytest tests/browser`.

The browser tests save each distinct page's HTML, as the server sent it (error pages too), in
tests/browser/pages/<worker>/ with an index of where it came from. One JVM checks them all, plus
one deliberately broken page, so a checker that has stopped seeing errors fails too.
Exit status 0 when every page has no error; warnings are not counted (vnu's "info" messages).
"""
from __future__ import annotations

import json
import subprocess  # nosec B404: runs the checker, a fixed command line
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
PAGES = HERE / "pages"
VNU = HERE.parents[1] / "node_modules/vnu-jar/build/dist/vnu.jar"
BROKEN = "<!doctype html><html lang=en><title>broken on purpose</title><p><div>x</p>"


def pages() -> dict[Path, str]:
    """Each saved page and the address it was served at."""
    found = {}
    for index in sorted(PAGES.glob("*/index.tsv")):
        for line in index.read_text().splitlines():
            name, status, address = line.split("\t", 2)
            found[index.parent / name] = f"{address} ({status})"
    return found


def main() -> int:
    if not VNU.exists():
        print(f"{VNU} missing: run `npm ci` in the project root", file=sys.stderr)
        return 2
    saved = pages()
    if not saved:
        print(f"no pages in {PAGES}: run the browser tests first", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        broken = Path(tmp) / "broken.html"
        broken.write_text(BROKEN)
        run = subprocess.run(  # nosec B603 B607: fixed arguments, no shell
            ["java", "-jar", str(VNU), "--errors-only", "--format", "json",
             str(broken), *map(str, saved)],
            capture_output=True, text=True, check=False)
    try:
        messages = json.loads(run.stderr or run.stdout)["messages"]
    except (ValueError, KeyError):
        print(run.stdout, run.stderr, sep="\n", file=sys.stderr)
        return 2
    errors = {}
    for message in messages:
        if message.get("type") != "error" and message.get("subType") != "fatal":
            continue
        path = Path(message.get("url", "").removeprefix("file:"))
        errors.setdefault(path, []).append(message)
    if broken not in errors:
        print("the checker found nothing wrong with a broken page: it is not checking",
              file=sys.stderr)
        return 2
    del errors[broken]
    for path, found in sorted(errors.items()):
        print(f"{saved.get(path, path)}  [{path.relative_to(HERE) if path.is_relative_to(HERE) else path}]")
        for message in found:
            print(f"  line {message.get('lastLine', '?')}: {message['message']}")
            if message.get("extract"):
                print(f"    {message['extract'].strip()[:160]}")
    print(f"Nu HTML Checker: {len(saved)} pages, {sum(map(len, errors.values()))} errors "
          f"on {len(errors)} pages")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
