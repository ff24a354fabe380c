"""The `clinic-l10n` command line: each command a docstring and a call into a stage."""

from service.cli.main import cli

__all__ = [
    "cli",
]
