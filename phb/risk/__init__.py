"""Risk: discussions, the risk register, contingency plans, mental capacity and safeguarding, delegated tasks.

Other areas use :func:`phb.risk.services.risk_summary` / :func:`phb.risk.services.risk_summaries` and the
:class:`phb.risk.rules.RiskSummary` they return; see ``docs/risk.md``.
"""

from phb.risk.rules import Band, RiskSummary, band_for, rating

__all__ = ["Band", "RiskSummary", "band_for", "rating"]
