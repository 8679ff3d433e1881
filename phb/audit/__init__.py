"""The append-only, hash-chained audit trail and the access log of staff reads."""
