"""The reviewers' web workspace and review API: accounts, sign-in, the queue and its pages.

The command line uses the accounts; the app factory (`service.web.api`) opens a `Workspace` and
includes `WORKSPACE_ROUTERS`. Those two need FastAPI, which the command line does not otherwise
load, so they are imported when first asked for.
"""

from importlib import import_module
from typing import TYPE_CHECKING

from service.workspace.accounts import STATE_ENV, Accounts, state_dir

if TYPE_CHECKING:
    from service.workspace.deps import Workspace
    from service.workspace.routes import WORKSPACE_ROUTERS

__all__ = ["STATE_ENV", "WORKSPACE_ROUTERS", "Accounts", "Workspace", "state_dir"]

_WITH_FASTAPI = {
    "Workspace": "service.workspace.deps",
    "WORKSPACE_ROUTERS": "service.workspace.routes",
}


def __getattr__(name: str) -> object:
    if name in _WITH_FASTAPI:
        return getattr(import_module(_WITH_FASTAPI[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
