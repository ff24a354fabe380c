"""Published releases: what patients get. The store (`store`: every byte ever published, by content,
and the chain of releases), publishing (`publish`: what the tree allows, drafts kept as drafts),
withdrawal (`withdraw`), the site that serves a release (`served`), the site in service kept in
step with the tree and the store (`live`), and the static export of the current release
(`export`)."""

from service.release.export import export_site
from service.release.live import LiveSite
from service.release.publish import Published
from service.release.store import Release, ReleaseError, ReleaseStore

__all__ = [
    "LiveSite",
    "Published",
    "Release",
    "ReleaseError",
    "ReleaseStore",
    "export_site",
]
