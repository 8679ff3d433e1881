"""Render one page's template in-process, before and after a template change, and check the HTML is identical.

    python bench/render_bench.py --database-url sqlite:///bench/data/phb-10000.sqlite3 --path /people/16/budget \\
        --user bench-cm-1 --before-ref HEAD~1

The context is recorded from the real app (as ``static_app`` does). "Before" renders with the templates of a
git revision laid over the working tree's (only the files that differ), "after" with the working tree; the two
are rendered alternately, so load from other processes falls on both alike. Prints the median milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import static_app
from jinja2 import ChoiceLoader, DictLoader, Environment

from phb.web.templating import TEMPLATE_DIR, create_environment

REPO = Path(__file__).resolve().parent.parent


def templates_at(ref: str) -> dict[str, str]:
    """The phb templates of ``ref`` that differ from the working tree."""
    changed = subprocess.run(  # noqa: S603
        ["git", "diff", "--name-only", ref, "--", str(TEMPLATE_DIR)],  # noqa: S607
        capture_output=True, text=True, check=True, cwd=REPO,
    ).stdout.split()  # fmt: skip
    prefix = str(TEMPLATE_DIR.relative_to(REPO)) + "/"
    found = {}
    for name in changed:
        shown = subprocess.run(["git", "show", f"{ref}:{name}"], capture_output=True, text=True, cwd=REPO, check=False)  # noqa: S603, S607
        if shown.returncode == 0:
            found[name.removeprefix(prefix)] = shown.stdout
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--user", default="bench-cm-1")
    parser.add_argument("--before-ref", default="HEAD")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    spec = {
        "database_url": args.database_url,
        "password": "bench-password-2026",
        "pages": {"p": [args.user, args.path]},
    }
    pages, _ = static_app.capture(spec)
    name, context = pages["p"]
    context = {**context, "request": None, "csrf_input": ""}
    after_env = create_environment()
    before_env: Environment = create_environment()
    before_env.loader = ChoiceLoader([DictLoader(templates_at(args.before_ref)), before_env.loader])  # type: ignore[list-item]
    before, after = before_env.get_template(name), after_env.get_template(name)
    html_before, html_after = before.render(**context), after.render(**context)
    timings: dict[str, list[float]] = {"before": [], "after": []}
    for _ in range(args.rounds):
        for label, template in (("before", before), ("after", after)):
            started = time.perf_counter()
            template.render(**context)
            timings[label].append((time.perf_counter() - started) * 1000)
    b, a = statistics.median(timings["before"]), statistics.median(timings["after"])
    print(f"{name}: {len(html_after):,} bytes; identical HTML: {html_before == html_after}")
    print(f"median render: before {b:.1f} ms, after {a:.1f} ms ({b / a:.1f}x)")
    return 0 if html_before == html_after else 1


if __name__ == "__main__":
    sys.exit(main())
