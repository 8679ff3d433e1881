"""Budgets: rate card, assessment of need, indicative budget, budget sheet, final budget, payment schedule.

Other areas read a person's budget sheet through :func:`phb.budgets.services.current_sheet`.
"""
