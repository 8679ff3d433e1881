"""Governance: decision levels, routing, sign-off checks, risk enablement panels and the decision record.

The local framework (DOMAIN.md section 5) is configuration, versioned by effective date.

Other packages ask for a decision with :func:`phb.governance.services.raise_request` and read how it ended with
:func:`phb.governance.services.outcome_for` (see ``docs/governance.md``).
"""
