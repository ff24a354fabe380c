"""The project's gettext catalogs: read, extract, update, init and compile, through `po`,
with the clinic's veto on fuzzy guesses."""
