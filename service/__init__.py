"""clinic-l10n: reviewed-only localization of patient-education pages."""

__all__ = ["__version__"]
__version__ = "0.1.0"
