"""`clinic-l10n serve` as a real process on tests/data/tree, spoken to over real HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def test_served_page_negotiates_spanish_over_http(live_server: str) -> None:
    status, headers, body = _get(
        f"{live_server}/v1/pages/saline-spray", {"Accept-Language": "es-MX,es;q=0.9"}
    )
    assert status == 200
    assert headers["content-language"] == "es" and headers["vary"] == "Accept-Language"
    page = json.loads(body)
    assert page["locale"] == "es" and page["title"] == "Cómo usar un espray nasal salino"
    assert all(s["locale"] == "es" for s in page["segments"])
    status, _, _ = _get(
        f"{live_server}/v1/pages/saline-spray",
        {"If-None-Match": headers["etag"], "Accept-Language": "es-MX,es;q=0.9"},
    )
    assert status == 304


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/healthz", 200),
        ("/v1/locales", 200),
        ("/coverage", 200),
        ("/docs", 200),
        ("/v1/pages/nope", 404),
        ("/v1/pages/saline-spray?locale=e$", 400),
    ],
)
def test_endpoints_over_http(live_server: str, path: str, status: int) -> None:
    assert _get(live_server + path)[0] == status
