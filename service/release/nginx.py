"""The production topology: Debian's nginx sends the release store's files, Python only chooses
which one. `clinic-l10n nginx-config` writes what `nginx_config` returns: a file for nginx's
`http` block (Debian: /etc/nginx/conf.d/clinic-l10n.conf) with two servers.

    client ─▶ front server (listen PORT)
                /pages/, /assets/   answered from nginx's cache, else asked of ─▶ the release server
                /<locale>/…, /index.html, /sitemap.xml (the static site, `STATIC`): the same
                everything else     proxied to `clinic-l10n serve` (JSON API, workspace, /healthz)
              release server (a unix socket, nothing else reaches it)
                every request       proxied to `clinic-l10n serve --accel-redirect PREFIX`, which
                                    negotiates the locale and answers with X-Accel-Redirect:
                                    PREFIX/ab/cdef… and the body's headers, no body
                PREFIX (internal)   the object itself, from <store>/objects/ (sendfile)

Why two servers: nginx keeps an X-Accel-Redirect answer in its cache, but serving one from the
cache makes the worker crash (nginx 1.22.1, and the same code at nginx's head: after the redirect
the request is finalized once too often and freed while in use, SIGSEGV), so the front server
keeps the whole answer, the file's bytes as the release server sent them, and the release server
redirects, uncached. A cached answer lives `FRESH` second(s): a new release is served by the
next request after that, which asks the server again (stale answers are sent to requests arriving
meanwhile, and while the Python server is down, for up to `KEPT`).

X-Accel-Redirect passes only Content-Type, Cache-Control, Expires, Accept-Ranges, Set-Cookie and
Content-Disposition of the upstream's answer (`ngx_http_upstream_headers_in`, the ones marked
`redirect`); the internal location adds back ETag, Vary, Content-Language, CORS,
X-Content-Type-Options and Content-Security-Policy from `$upstream_http_*`, drops nginx's own
ETag, Last-Modified and byte ranges (the Python server sends none of these), so the answer is
the Python server's, header for header. The front server's cache answers If-None-Match itself
(weak comparison, RFC 9110), as the Python server does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ACCEL_PREFIX", "FRESH", "KEPT", "STATIC", "NginxSite", "nginx_config"]

ACCEL_PREFIX = "/_clinic_l10n_release/"  # the internal location the Python server redirects to
FRESH = 1  # seconds a cached answer is served before the Python server is asked again
KEPT = "10m"  # how long an answer unused stays in the cache (and is served stale, server down)
# What the front server asks of the release server: the page routes, `/assets/`, and the paths of
# the release's static site: `/index.html`, `/sitemap.xml` and what starts with a locale's folder
# (a BCP 47 tag: a language subtag of 2 or 3 letters, then subtags; no other route of the server
# starts so, and a path the release server does not redirect is the Python server's own answer).
STATIC = r"^/(pages/|assets/|index\.html$|sitemap\.xml$|[a-z]{2,3}(-[A-Za-z0-9]{1,8})*/)"
_UPSTREAM = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}$")
# The response headers that X-Accel-Redirect drops and the internal location adds back.
_ADDED = (
    ("ETag", "$upstream_http_etag"),
    ("Vary", "$upstream_http_vary"),
    ("Content-Language", "$upstream_http_content_language"),
    ("Access-Control-Allow-Origin", "$upstream_http_access_control_allow_origin"),
    ("X-Content-Type-Options", "$upstream_http_x_content_type_options"),
    ("Content-Security-Policy", "$upstream_http_content_security_policy"),
)


@dataclass(frozen=True)
class NginxSite:
    """What the generated configuration names."""

    store: Path  # the release store folder (its objects/ are served)
    upstream: str  # HOST:PORT of `clinic-l10n serve --accel-redirect`
    listen: str = "80"  # the front server's `listen` (a port, or ADDRESS:PORT)
    cache: Path = Path("/var/cache/nginx/clinic-l10n")  # nginx's cache and the release socket
    prefix: str = ACCEL_PREFIX
    name: str = "clinic_l10n"  # prefixes the upstream and cache zone names

    def check(self) -> None:
        """A ValueError for what nginx would reject or read differently."""
        if not _UPSTREAM.match(self.upstream):
            raise ValueError(f"upstream must be HOST:PORT, not {self.upstream!r}")
        if not re.fullmatch(r"/[A-Za-z0-9_-]+/", self.prefix):
            raise ValueError(f"the redirect prefix must be /name/, not {self.prefix!r}")
        if not re.fullmatch(r"(?:[0-9.]+:|\[[0-9A-Fa-f:]+\]:)?[0-9]{1,5}", self.listen):
            raise ValueError(f"listen must be PORT or ADDRESS:PORT, not {self.listen!r}")
        for path in (self.store, self.cache):
            if not path.is_absolute() or any(c in str(path) for c in " ;{}\"'\\$#\n"):
                raise ValueError(f"{path}: an absolute path without spaces or ;{{}}$#\"' is needed")
        if len(str(self.socket)) > 100:  # sun_path holds 108 bytes
            raise ValueError(
                f"{self.socket}: too long for a unix socket; use a shorter --cache-dir"
            )

    @property
    def socket(self) -> Path:
        return self.cache / "release.sock"


def _proxy(upstream: str) -> str:
    """Proxying to `upstream` over kept-alive connections, with what the client sent."""
    return f"""proxy_pass http://{upstream};
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $http_host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;"""


def nginx_config(site: NginxSite) -> str:
    """The configuration (see the module's docstring)."""
    site.check()
    app, release, zone = f"{site.name}_app", f"{site.name}_release", site.name
    added = "\n".join(f"      add_header {name} {value};" for name, value in _ADDED)
    return f"""# clinic-l10n nginx-config: nginx sends the release store's files, Python only chooses
# which (the locale). Include in nginx's http block, e.g. /etc/nginx/conf.d/clinic-l10n.conf.
# Needs: `clinic-l10n serve --accel-redirect {site.prefix} --port PORT` at {site.upstream}
# (a follower, `serve --follow`, on a store another server publishes to, will do), the
# store readable by nginx's workers, {site.cache} writable by them.

upstream {app} {{
  server {site.upstream};
  keepalive 16;
}}

upstream {release} {{
  server unix:{site.socket};
  keepalive 16;
}}

proxy_cache_path {site.cache}/cache levels=1:2 keys_zone={zone}:10m max_size=1g
                 inactive={KEPT} use_temp_path=off;

# The release server: the Python server chooses the file (X-Accel-Redirect), nginx sends it.
server {{
  listen unix:{site.socket};
  access_log off;
  gzip off;  # the front server's cache keeps one body for every Accept-Encoding

  location / {{
    {_proxy(app)}
  }}

  location {site.prefix} {{
    internal;
    alias {site.store}/objects/;
    types {{ }}
    default_type application/octet-stream;  # the Python server's Content-Type is kept
    etag off;  # the Python server's ETag, below, not nginx's
    max_ranges 0;  # no byte ranges, as the Python server
    open_file_cache max=10000 inactive=60s;  # objects never change: their name is their hash
    open_file_cache_errors off;
{added}
    add_header Last-Modified "";
  }}
}}

# The front server: page reads from nginx's cache, everything else from the Python server.
server {{
  listen {site.listen};

  location ~ "{STATIC}" {{  # quoted: a regex with braces
    proxy_pass http://{release};
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $http_host;
    proxy_set_header Accept-Encoding "";
    proxy_cache {zone};
    proxy_cache_key "$uri$is_args$args|$http_accept_language|$http_origin";
    proxy_cache_valid 200 {FRESH}s;
    proxy_ignore_headers Cache-Control Expires Vary;  # the key holds what the server varies on
    proxy_cache_use_stale error timeout updating http_500 http_502 http_503 http_504;
    proxy_cache_background_update off;  # the request after a second asks Python: fresher
    proxy_cache_lock on;
    open_file_cache max=10000 inactive=60s;  # a kept answer's file, checked by its inode
  }}

  location / {{
    {_proxy(app)}
  }}
}}
"""
