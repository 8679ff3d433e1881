"""People who hold a personal health budget, who acts for them, and who looks after them (caseloads)."""
