"""The ``run_phb`` fixture for these tests."""

from tests.cli_helpers import run_phb

__all__ = ["run_phb"]
