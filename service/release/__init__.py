"""Published releases: what patients get. The store (`store`: every byte ever published, by content,
and the chain of releases), publishing (`publish`: what the tree allows, drafts kept as drafts),
withdrawal (`withdraw`), the static site each release holds (`static`) and its copy (`export`),
the site that serves a release (`served`), and the site in service kept in step with the tree and
the store (`live`)."""

from service.release.live import LiveSite
from service.release.publish import Published
from service.release.store import Release, ReleaseError, ReleaseStore

__all__ = [
    "LiveSite",
    "Published",
    "Release",
    "ReleaseError",
    "ReleaseStore",
]
