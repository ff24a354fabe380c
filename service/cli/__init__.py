"""The `clinic-l10n` command line."""
