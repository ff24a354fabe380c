"""The HTTP edge: the FastAPI app, page negotiation and headers, the fast path and the
server process."""

from service.web.api import create_app
from service.web.fastpath import FastPath
from service.web.server import AppFactory, ServeOptions, serve

__all__ = ["AppFactory", "FastPath", "ServeOptions", "create_app", "serve"]
