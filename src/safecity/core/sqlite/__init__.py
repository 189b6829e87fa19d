"""SQLite backend whose writers queue on a lock in the process instead of sleeping on busy."""
