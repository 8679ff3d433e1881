"""The one policy layer: who may read or change which person's records, and why."""
