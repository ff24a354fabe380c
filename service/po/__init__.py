"""The catalog layer on any gettext file: one model, one parser, one writer, msgfmt's checks and
msgmerge's update, each agreeing with GNU gettext 0.21 on real catalogs (tests/test_po_*.py ask it).

`service.catalogs.catalog` is the project's only user of this package.
"""

from .check import Problem, check_bytes
from .errors import LocatedError, PoError
from .fuzzy import Matching
from .mo import write_mo
from .model import FORMAT_FLAGS, Entry, Key, PoFile, Reference, Statistics, header_fields
from .pairing import Veto
from .parse import read

__all__ = [
    "FORMAT_FLAGS",
    "Entry",
    "Key",
    "LocatedError",
    "Matching",
    "PoError",
    "PoFile",
    "Problem",
    "Reference",
    "Statistics",
    "Veto",
    "check_bytes",
    "header_fields",
    "read",
    "write_mo",
]
