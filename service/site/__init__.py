"""The site: loading a tree, the serving rule, coverage and findings, the build cache, the prepared
bodies, live reload and the static export. What the layers above use of it is here; the rest stays
in its modules (the serving rule in `resolve`, the API's shapes in `schemas`)."""

from service.site.bodies import Body, Made, PreparedPage
from service.site.coverage import CoverageRow, rows_as_json
from service.site.export import export_site
from service.site.live import LiveSite
from service.site.prepared import Settings, Site, build_site
from service.site.store import Tree, load_tree

__all__ = [
    "Body",
    "CoverageRow",
    "LiveSite",
    "Made",
    "PreparedPage",
    "Settings",
    "Site",
    "Tree",
    "build_site",
    "export_site",
    "load_tree",
    "rows_as_json",
]
