"""Staff, person and representative accounts; login, sessions and API tokens."""
