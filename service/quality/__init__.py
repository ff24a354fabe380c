"""The quality checks on a translation (a registry of small pure functions, each with an id and a
severity) and the numbers and dose units they read."""

from service.quality import amounts  # noqa: F401 (registers the numbers and units checks)
from service.quality.checks import REGISTRY, Finding, Severity, Unit, blocking, register, run_checks
from service.quality.numbers import doses_in, numbers_in

__all__ = [
    "REGISTRY",
    "Finding",
    "Severity",
    "Unit",
    "blocking",
    "doses_in",
    "numbers_in",
    "register",
    "run_checks",
]
