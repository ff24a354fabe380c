"""The quality checks on a translation (a registry of small pure functions, each with an id and a
severity) and the numbers and dose units they read."""

from service.quality import amounts  # noqa: F401 (registers the numbers and units checks)
from service.quality.checks import REGISTRY, Finding, Severity, Unit, blocking, register, run_checks
from service.quality.confirm import confirming
from service.quality.numbers import doses_in, numbers_in

# Checks kept in their own modules join the registry when imported: the links' titles, text and
# addresses in plain text; the terminology; look-alike letters (issue 22)
from service.quality import glossary as _glossary  # noqa: F401  isort: skip
from service.quality import linked as _linked  # noqa: F401  isort: skip
from service.quality import lookalikes as _lookalikes  # noqa: F401  isort: skip

__all__ = [
    "REGISTRY",
    "Finding",
    "Severity",
    "Unit",
    "blocking",
    "confirming",
    "doses_in",
    "numbers_in",
    "register",
    "run_checks",
]
