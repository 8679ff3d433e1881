"""``python bench/soak`` is a command anyone can run (issue 24, item 10): it explains itself and its needs.

The soak itself runs for minutes against PostgreSQL; its figures are in docs/reliability.md.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys


def _soak(repo_root, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, str(repo_root / "bench" / "soak"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd="/",  # from any directory
    )


def test_the_soak_command_runs_from_anywhere_and_describes_its_options(repo_root):
    result = _soak(repo_root, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: python bench/soak")
    for option in ("--minutes", "--users", "--workers", "--database-url", "--locust"):
        assert option in result.stdout


def test_without_locust_it_says_how_to_install_it_instead_of_a_traceback(repo_root):
    if importlib.util.find_spec("locust") is not None:
        result = _soak(repo_root, "--locust", "/nonexistent/locust", "--help")
        assert result.returncode == 0
        return
    result = _soak(repo_root, "--minutes", "0.1")
    assert result.returncode == 1
    assert result.stderr.strip() == "locust is not installed: run ./scripts/install (it comes with the dev extras)"
    assert "Traceback" not in result.stderr
