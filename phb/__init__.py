"""phb: personal health budgets for NHS Continuing Healthcare teams."""
