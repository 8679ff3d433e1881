"""Imports every model module so that ``Base.metadata`` describes the whole schema (Alembic reads it).

Each ``phb/<area>/models.py`` is found by :func:`phb.discovery.domain_modules`.
"""

from phb.db import Base
from phb.discovery import domain_modules

MODEL_MODULES = domain_modules("models")

__all__ = ["MODEL_MODULES", "Base"]
