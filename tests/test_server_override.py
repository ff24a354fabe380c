"""service/web/server.py subclasses uvicorn's HTTP protocols (h11 and httptools), whose code is
private and may change in any release. Here is a hash of each piece of that code server.py
overrides or leans on, as each uvicorn version it was checked against has it; pyproject.toml
allows those versions only. Another version, or other code under a recorded version, fails here,
naming what to re-check in server.py before recording it."""

from __future__ import annotations

import hashlib
import importlib
import inspect
import tomllib

import pytest
import uvicorn

from .conftest import REPO

# What server.py takes for granted in each: re-check it there before recording a new hash.
RELIED_ON = {
    "h11_impl.H11Protocol.__init__": "it sets the attributes `_Guard` reads (config, loop, "
    "connections, transport, client, cycle: None until a request)",
    "h11_impl.H11Protocol.connection_made": "it keeps the transport it is given (`_Coalesced`) "
    "as `self.transport` and adds the protocol to `connections` before `_Guard` counts them",
    "h11_impl.H11Protocol.connection_lost": "nothing in it needs the guard's deadline",
    "h11_impl.H11Protocol.data_received": "it handles the events of the data at once, so "
    "`cycle` is the current request when it returns (`_track`)",
    "h11_impl.H11Protocol.on_response_complete": "it starts a pipelined request itself, so "
    "`_track` after it sees that request",
    "h11_impl.RequestResponseCycle.send": "a response head is one `transport.write` starting "
    "`HTTP/1.1 `, and the rest of the response goes through `write` too (`_Coalesced`)",
    "httptools_impl.HttpToolsProtocol.__init__": "it sets the attributes `_Guard` and "
    "`GuardedHttpTools.on_response_complete` read (config, loop, connections, server_state, "
    "transport, flow, pipeline, client, cycle)",
    "httptools_impl.HttpToolsProtocol.connection_made": "as h11's: it keeps the transport it "
    "is given and adds the protocol to `connections`",
    "httptools_impl.HttpToolsProtocol.connection_lost": "nothing in it needs the guard's "
    "deadline, nor the keep-alive timer `GuardedHttpTools` no longer arms",
    "httptools_impl.HttpToolsProtocol.data_received": "it parses the data at once, so `cycle` "
    "is the current request when it returns",
    "httptools_impl.HttpToolsProtocol.on_response_complete": "`GuardedHttpTools."
    "on_response_complete` is a copy of it, less the keep-alive timer: copy its changes",
    "httptools_impl.HttpToolsProtocol._unset_keepalive_if_required": "the copy of "
    "`on_response_complete` calls it; it cancels only uvicorn's keep-alive timer",
    "httptools_impl.HttpToolsProtocol._start_asgi_task": "the copy of `on_response_complete` "
    "starts a pipelined request through it",
    "httptools_impl.RequestResponseCycle.send": "as h11's: a head is one `transport.write` "
    "starting `HTTP/1.1 `, and the rest of the response goes through `write` too",
    # `_Guard._stalled`: a request whose body is unfinished and whose answer has not begun.
    "h11_impl.RequestResponseCycle.__init__": "a request starts with `more_body` True and "
    "`response_started` False (`_stalled`)",
    "h11_impl.H11Protocol.handle_events": "it sets the cycle's `more_body` False when the "
    "request's body has all arrived (EndOfMessage)",
    "httptools_impl.RequestResponseCycle.__init__": "as h11's: `more_body` True and "
    "`response_started` False at first",
    "httptools_impl.HttpToolsProtocol.on_message_complete": "it sets the cycle's `more_body` "
    "False when the request's body has all arrived",
}

_CHECKED_0_55_0 = {
    "h11_impl.H11Protocol.__init__": "ad1ed8e837b2db8d",
    "h11_impl.H11Protocol.connection_made": "6efb565ff3d36b91",
    "h11_impl.H11Protocol.connection_lost": "dbb688fa2b386000",
    "h11_impl.H11Protocol.data_received": "e03b145518ca44aa",
    "h11_impl.H11Protocol.on_response_complete": "1fbb8f48c6a1afc4",
    "h11_impl.RequestResponseCycle.send": "76b4bcb0998bed0e",
    "httptools_impl.HttpToolsProtocol.__init__": "4f08999410347141",
    "httptools_impl.HttpToolsProtocol.connection_made": "6efb565ff3d36b91",
    "httptools_impl.HttpToolsProtocol.connection_lost": "c91a4c9bf2e29c55",
    "httptools_impl.HttpToolsProtocol.data_received": "010a7ae59a5d3b1a",
    "httptools_impl.HttpToolsProtocol.on_response_complete": "64e254f28e389e76",
    "httptools_impl.HttpToolsProtocol._unset_keepalive_if_required": "00a6a4e47214e68e",
    "httptools_impl.HttpToolsProtocol._start_asgi_task": "8d0189e65525db42",
    "httptools_impl.RequestResponseCycle.send": "abdd8601b326a8da",
    "h11_impl.RequestResponseCycle.__init__": "d245415af679f8ad",
    "h11_impl.H11Protocol.handle_events": "278f2d7efca279a3",
    "httptools_impl.RequestResponseCycle.__init__": "4d2f220910c33c12",
    "httptools_impl.HttpToolsProtocol.on_message_complete": "1fbad42dc31fc01f",
}
# 0.53.0 and 0.54.0 differ from 0.55.0 in `_start_asgi_task` and `handle_events` only: a branch
# for Python < 3.11 where each starts a request's task.
_CHECKED_0_54_0 = {
    **_CHECKED_0_55_0,
    "httptools_impl.HttpToolsProtocol._start_asgi_task": "9c08c2571ae9b038",
    "h11_impl.H11Protocol.handle_events": "e63a9d1492e3efe7",
}
RECORDED = {"0.53.0": _CHECKED_0_54_0, "0.54.0": _CHECKED_0_54_0, "0.55.0": _CHECKED_0_55_0}


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


NEWEST = max(RECORDED, key=_version)


def source_hash(name: str) -> str:
    """The hash of the source of uvicorn's `module.Class.method`, as installed."""
    module, cls, method = name.split(".")
    owner = getattr(importlib.import_module(f"uvicorn.protocols.http.{module}"), cls)
    return hashlib.sha256(inspect.getsource(getattr(owner, method)).encode()).hexdigest()[:16]


def test_uvicorn_is_a_version_server_py_was_checked_against() -> None:
    assert uvicorn.__version__ in RECORDED, (
        f"uvicorn {uvicorn.__version__} is not one service/web/server.py was checked against "
        f"({', '.join(RECORDED)}): re-check what RELIED_ON says of each piece of its code that "
        "the tests below find changed, then record its hashes here and allow it in pyproject.toml"
    )


@pytest.mark.parametrize(("name", "relied_on"), RELIED_ON.items(), ids=list(RELIED_ON))
def test_the_uvicorn_code_server_py_relies_on_is_as_recorded(name: str, relied_on: str) -> None:
    """Under a version not recorded, the newest recorded one's code is what it is held to."""
    version = uvicorn.__version__ if uvicorn.__version__ in RECORDED else NEWEST
    found = source_hash(name)
    assert found == RECORDED[version][name], (
        f"uvicorn {uvicorn.__version__}'s {name} is not the code of uvicorn {version} that "
        f"service/web/server.py was written against: check that {relied_on}; then record "
        f"{found!r} for it"
    )


def test_every_hash_recorded_names_code_server_py_relies_on() -> None:
    assert all(hashes.keys() == RELIED_ON.keys() for hashes in RECORDED.values())


def test_pyproject_allows_the_recorded_versions_only() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    (pin,) = [r for r in project["dependencies"] if r.startswith("uvicorn")]
    oldest = min(RECORDED, key=_version)
    assert pin == f"uvicorn>={oldest},<={NEWEST}"
