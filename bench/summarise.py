"""Markdown tables from ``bench/data/web-<label>.json`` (written by ``web_bench.py``), for docs/performance.md.

python bench/summarise.py sqlite-10k pg-10k             # throughput, ratios and p99 per run
python bench/summarise.py --scale sqlite-1k sqlite-100k # p50 of the real pages at two scales
python bench/summarise.py --before-after sqlite-10k-ab  # a run made with web_bench.py --before: old vs new
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

DATA = Path(__file__).parent / "data"


def load(label: str) -> dict:  # type: ignore[type-arg]
    return json.loads((DATA / f"web-{label}.json").read_text())


def throughput(label: str) -> None:
    results = load(label)
    runs = results["runs"]
    by = {(r["target"], r["connections"]): r for r in runs}
    print(f"\n**{label}** ({results['machine']['date']}; load average before {results['machine']['load_before']})\n")
    print("| target | conns | req/s | p50 ms | p99 ms | vs static render | vs hello world |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in runs:
        hello = by.get(("hello world", r["connections"]))
        base = by.get((r["baseline"], r["connections"])) if r["baseline"] else None
        vs_static = f"{100 * r['rps'] / base['rps']:.0f}%" if base and base["rps"] else ""
        vs_hello = f"{100 * r['rps'] / hello['rps']:.1f}%" if hello and hello["rps"] else ""
        failed = " (errors)" if r["non_2xx_3xx"] or r["socket_errors"] else ""
        print(
            f"| {r['target']}{failed} | {r['connections']} | {r['rps']:.1f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} "
            f"| {vs_static} | {vs_hello} |"
        )


def scale(small: str, large: str) -> None:
    a, b = load(small), load(large)
    rows_b = {(r["target"], r["connections"]): r for r in b["runs"]}
    print(f"\n| target | conns | p50 ms {small} | p50 ms {large} | ratio | req/s {small} | req/s {large} |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in a["runs"]:
        other = rows_b.get((r["target"], r["connections"]))
        if other is None or r["target"].startswith(("static", "hello")):
            continue
        ratio = other["p50_ms"] / r["p50_ms"] if r["p50_ms"] else 0
        print(
            f"| {r['target']} | {r['connections']} | {r['p50_ms']:.1f} | {other['p50_ms']:.1f} | {ratio:.2f}x "
            f"| {r['rps']:.1f} | {other['rps']:.1f} |"
        )


def before_after(label: str) -> None:
    """Each real page's req/s in the earlier code ("<page> (before)") and now, with their share of the static render."""
    results = load(label)
    by = {(r["target"], r["connections"]): r for r in results["runs"]}
    counts = sorted({r["connections"] for r in results["runs"]})
    first, *others = counts
    more = f" ({', '.join(str(c) for c in others)} connections in brackets)" if others else ""
    print(f"\n**{label}** ({results['machine']['date']}), req/s at {first} connection{more}:\n")
    print("| page | before | now | change | before, vs static render | now, vs static render |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")

    def cell(name: str, field: str) -> str:
        values = []
        for c in counts:
            run, base = by[(name, c)], by.get((by[(name, c)]["baseline"], c))
            if field == "rps":
                values.append(f"{run['rps']:.1f}")
            else:
                values.append(f"{100 * run['rps'] / base['rps']:.0f} %" if base else "")
        return values[0] + "".join(f" ({v})" for v in values[1:])

    for r in results["runs"]:
        name = r["target"]
        if r["connections"] != first or (name + " (before)", first) not in by:
            continue
        old, new = by[(name + " (before)", first)], r
        change = f"{100 * (new['rps'] / old['rps'] - 1):+.0f} %"
        print(
            f"| {name} | {cell(name + ' (before)', 'rps')} | {cell(name, 'rps')} | {change} "
            f"| {cell(name + ' (before)', 'static')} | {cell(name, 'static')} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", nargs="+")
    parser.add_argument("--scale", action="store_true")
    parser.add_argument("--before-after", action="store_true")
    args = parser.parse_args()
    if args.before_after:
        for label in args.labels:
            before_after(label)
    elif args.scale:
        scale(*args.labels)
    else:
        for label in args.labels:
            throughput(label)


if __name__ == "__main__":
    main()
