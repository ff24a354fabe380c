"""The project's gettext catalogs: read, extract, update, init and compile, through `po`, with
the clinic's veto on fuzzy guesses (`veto`)."""

from service.catalogs.catalog import compile_catalog, read_catalog, read_po
from service.catalogs.extract import babel_extract, extract_all
from service.catalogs.update import compile_all, init_locale, update_all
from service.catalogs.veto import ClinicVeto, Unsafe

__all__ = [
    "ClinicVeto",
    "Unsafe",
    "babel_extract",
    "compile_all",
    "compile_catalog",
    "extract_all",
    "init_locale",
    "read_catalog",
    "read_po",
    "update_all",
]
