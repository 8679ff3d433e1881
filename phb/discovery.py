"""Finding each domain package's contributions (models, pages, API routes, CLI commands, demo data) by convention.

A domain package ``phb/<area>/`` contributes by having a module of the conventional name; nobody has to edit a
central list, so domains can be added side by side without touching each other's files.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import phb


def domain_modules(name: str) -> list[ModuleType]:
    """Every ``phb.<package>[.<subpackage>].<name>`` module that exists, in name order (``phb.web`` excluded).

    Sub-packages count too, so an area may keep a part of itself apart (``phb/governance/appeals/models.py``).
    """
    packages = sorted(
        info.name
        for info in pkgutil.walk_packages(phb.__path__, prefix="phb.")
        if info.ispkg and not info.name.startswith("phb.web")
    )
    found = []
    for package in packages:
        try:
            found.append(importlib.import_module(f"{package}.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{package}.{name}":
                raise
    return found


def submodules(package: ModuleType) -> list[ModuleType]:
    """Every module directly inside ``package`` (e.g. each ``phb/web/pages/<area>.py``), in name order."""
    return [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name)
        if not info.name.startswith("_")
    ]
