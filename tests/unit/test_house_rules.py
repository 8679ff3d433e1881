"""House rules a newcomer relies on to find things: checked, so they do not drift back."""

from __future__ import annotations

import importlib
import pkgutil

from litestar import Controller

import phb.web


def _web_modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages(phb.web.__path__, "phb.web.")]


def test_every_controller_is_named_thing_controller():
    """Pages are `<Thing>Controller`, the JSON API `<Thing>ApiController`: one suffix, so grep finds them all."""
    names = set()
    for name in _web_modules():
        module = importlib.import_module(name)
        names |= {
            obj.__name__
            for obj in vars(module).values()
            if isinstance(obj, type) and issubclass(obj, Controller) and obj is not Controller
        }
    assert len(names) > 20
    assert sorted(n for n in names if not n.endswith("Controller")) == []
