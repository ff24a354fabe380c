"""The site: loading a tree, the serving rule, coverage and findings, the build cache, the prepared
bodies (what is served of them, and when, is `service.release`'s). What the layers above use of it is here; the rest stays
in its modules (the serving rule in `resolve`, the API's shapes in `schemas`)."""

from service.site.bodies import Body, Made, PreparedPage
from service.site.coverage import CoverageRow, rows_as_json
from service.site.prepared import Settings, Site, build_site
from service.site.store import Tree, load_tree

__all__ = [
    "Body",
    "CoverageRow",
    "Made",
    "PreparedPage",
    "Settings",
    "Site",
    "Tree",
    "build_site",
    "load_tree",
    "rows_as_json",
]
