"""Generate a realistic direct-payment statement CSV (generic layout) of any length, deterministically.

The mix follows a personal health budget account: four-weekly payments in from the ICB, weekly personal
assistant wages, agency invoices, payroll and HMRC, and everyday card spending with merchant category codes and
the store numbers and dates banks print in descriptions. About 1% of debits are things the exclusion check
flags (betting, off-licences, prescription charges...). Dates ascend and the balance column is exact, so the
file reconciles.

    python bench/generate_statements.py --lines 1000000 --out /tmp/statement-1m.csv
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
from pathlib import Path

CARD = [
    ("CARD PAYMENT TO TESCO STORES {n} ON {d}", "5411", 300, 6000),
    ("CARD PAYMENT TO SAINSBURYS S/MKTS {n} ON {d}", "5411", 300, 5000),
    ("CARD PAYMENT TO ASDA STORES {n} ON {d}", "5411", 300, 5000),
    ("CARD PAYMENT TO BOOTS {n} ON {d}", "5912", 200, 2500),
    ("CARD PAYMENT TO AMBER CARS LEEDS ON {d}", "4121", 800, 2500),
    ("CARD PAYMENT TO ARGOS LTD {n} ON {d}", "5311", 999, 8999),
    ("CARD PAYMENT TO AMAZON.CO.UK*{n} ON {d}", "5942", 499, 4999),
    ("CARD PAYMENT TO LEEDS PHYSIO CLINIC ON {d}", "8049", 4500, 6000),
    ("CARD PAYMENT TO SHELL {n} ON {d}", "5541", 2000, 6000),
    ("CARD PAYMENT TO TRAINLINE ON {d}", "4112", 1000, 9000),
    ("CARD PAYMENT TO BETTER LEISURE CENTRE ON {d}", "7997", 450, 900),
    ("CARD PAYMENT TO CAFFE NERO {n} ON {d}", "5814", 250, 900),
]
FLAGGED = [
    ("CARD PAYMENT TO WILLIAM HILL ONLINE ON {d}", "7995", 500, 5000),
    ("CARD PAYMENT TO BET365 ON {d}", "", 500, 5000),
    ("CARD PAYMENT TO MAJESTIC WINE {n} ON {d}", "5921", 1500, 6000),
    ("NHS PRESCRIPTION PREPAYMENT", "", 3205, 3205),
    ("CARD PAYMENT TO VAPE CLUB ON {d}", "", 1000, 3000),
    ("DIRECT DEBIT LENDING STREAM", "", 5000, 15000),
]
WEEKLY = [("FASTER PAYMENT PA WAGES S JONES", -41250), ("FASTER PAYMENT PA WAGES M KHAN", -38000)]
FOUR_WEEKLY = [("LEEDS ICB PHB DIRECT PAYMENT", 480000), ("DIRECT DEBIT CARING HANDS HOMECARE LTD", -136800)]
MONTHLY = [("DIRECT DEBIT PAYROLL PLUS LTD", -1800), ("HMRC PAYE CUMBERNAULD", -21240)]


def generate(lines: int, out: Path, *, seed: int = 2026, per_day: int = 40, opening: int = 300_000) -> int:
    """Write ``lines`` statement lines to ``out``; returns the closing balance in pence."""
    rng = random.Random(seed)
    day = dt.date(2000, 1, 3)
    balance = opening
    written = 0
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["date", "description", "amount", "mcc", "balance"])
        while written < lines:
            todays: list[tuple[str, int, str]] = []
            ordinal = day.toordinal()
            todays += [(d, p * 40, "") for d, p in FOUR_WEEKLY if ordinal % 28 == 0]
            todays += [(d, p * 20, "") for d, p in WEEKLY if ordinal % 7 == 4]
            todays += [(d, p, "") for d, p in MONTHLY if day.day == 15]
            stamp = day.strftime("%d-%m")
            for _ in range(rng.randint(per_day // 2, per_day * 3 // 2)):
                table = FLAGGED if rng.random() < 0.01 else CARD
                text, mcc, low, high = rng.choice(table)
                todays.append((text.format(n=rng.randint(1000, 9999), d=stamp), -rng.randint(low, high), mcc))
            for text, pence, mcc in todays:
                if written >= lines:
                    break
                balance += pence
                writer.writerow([day.isoformat(), text, f"{pence / 100:.2f}", mcc, f"{balance / 100:.2f}"])
                written += 1
            day += dt.timedelta(days=1)
    return balance


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    closing = generate(args.lines, args.out, seed=args.seed)
    print(f"{args.lines} lines written to {args.out}; closing balance {closing / 100:.2f}")


if __name__ == "__main__":
    main()
