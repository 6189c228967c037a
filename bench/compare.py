"""Compare two bench/run.py results, page by page: how much more a page costs at the larger scale.

    python bench/compare.py bench/results-postgresql-10k.json bench/results-postgresql-1m.json

Prints each page's p50 and requests/s at both scales and the p50 ratio (target: 1.5 or less).
"""
import json
import sys
from pathlib import Path

LIMIT = 1.5


def main() -> None:
    small, large = (json.loads(Path(path).read_text()) for path in sys.argv[1:3])
    print(f"{small['label']} ({small['posts']:,} posts) -> {large['label']} ({large['posts']:,} posts)")
    for result in (small, large):
        load = result.get("loadavg")  # older files have only the load at the end
        if load:
            print(f"  {result['label']}: load average {load['min']:.2f} / {load['median']:.2f} / "
                  f"{load['max']:.2f} (min / median / max)")
    print(f"{'page':<40} {'p50 ms':>8} {'p50 ms':>8} {'ratio':>6}   {'req/s':>7} {'req/s':>7}")
    for page, a in small["summary"].items():
        b = large["summary"].get(page)
        if b is None:
            continue
        ratio = b["p50_ms"] / a["p50_ms"]
        flag = "" if ratio <= LIMIT else f"  > {LIMIT}"
        print(f"{page:<40} {a['p50_ms']:8.1f} {b['p50_ms']:8.1f} {ratio:6.2f}   "
              f"{a['rps']:7.1f} {b['rps']:7.1f}{flag}")


if __name__ == "__main__":
    main()
