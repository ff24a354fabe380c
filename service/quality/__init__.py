"""The quality checks on a translation (a registry of small pure functions) and the
numbers and units they read."""
