"""The catalog layer on any gettext file: one model, one parser, one writer, msgfmt's checks and
msgmerge's update, each agreeing with GNU gettext 0.21 on real catalogs (tests/test_po_*.py ask it).

`service.catalogs.catalog` is the project's only user of this package.
"""

from .fuzzy import Matching
from .model import FORMAT_FLAGS, Entry, Key, PoFile, Reference, Statistics, header_fields

__all__ = [
    "FORMAT_FLAGS",
    "Entry",
    "Key",
    "Matching",
    "PoFile",
    "Reference",
    "Statistics",
    "header_fields",
]
