"""Score the default exclusion rules against the labelled corpus: precision, recall and F1 per category.

Run from the repository root:

    python bench/exclusions_score.py [--corpus tests/data/exclusions_corpus.csv] [--no-misses]

A line counts as a true positive when the flag's category equals the label; a flag in the wrong category is both a
false positive (for the flagged category) and a false negative (for the labelled one).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import decimal
from collections import Counter
from pathlib import Path

from phb.spending.check import load_default_rules
from phb.spending.rules import CATEGORIES, StatementLine, check_line

DEFAULT_CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "exclusions_corpus.csv"


def ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 1.0


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--no-misses", action="store_true", help="do not list the misclassified lines")
    args = parser.parse_args()

    rules = load_default_rules()
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    support: Counter[str] = Counter()
    misses: list[str] = []
    total = 0
    with args.corpus.open(newline="", encoding="utf-8") as corpus:
        for row in csv.DictReader(corpus):
            total += 1
            line = StatementLine(
                dt.date.fromisoformat(row["date"]),
                row["description"],
                decimal.Decimal(row["amount"]),
                row["mcc"] or None,
            )
            flag = check_line(line, rules)
            got, expected = (flag.category if flag else ""), row["expected"]
            support[expected] += 1
            if got and got == expected:
                tp[got] += 1
                continue
            if got:
                fp[got] += 1
            if expected:
                fn[expected] += 1
            if got != expected:
                description, mcc = row["description"], row["mcc"]
                misses.append(f"  expected {expected or '-':16} got {got or '-':16} {description!r} mcc={mcc}")

    print(f"Exclusion rules {rules.version} on {args.corpus.name}: {total} lines, {total - support['']} labelled")
    print(f"{'category':18} {'support':>7} {'flagged':>7} {'precision':>9} {'recall':>7} {'F1':>6}")
    for category in (*CATEGORIES, "overall"):
        if category == "overall":
            t, p, n, s = sum(tp.values()), sum(fp.values()), sum(fn.values()), total - support[""]
        else:
            t, p, n, s = tp[category], fp[category], fn[category], support[category]
        precision, recall = ratio(t, t + p), ratio(t, t + n)
        print(f"{category:18} {s:7} {t + p:7} {precision:9.3f} {recall:7.3f} {f1(precision, recall):6.3f}")
    if misses and not args.no_misses:
        print(f"\nMisclassified lines ({len(misses)}):")
        print("\n".join(misses))


if __name__ == "__main__":
    main()
