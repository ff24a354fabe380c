"""clinic-l10n: reviewed-only localization of patient-education pages.

`__version__` is written here only: the wheel's metadata reads it (pyproject.toml) and so does
`clinic-l10n --version`."""

__all__ = ["__version__"]
__version__ = "0.1.0"
