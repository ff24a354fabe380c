"""The HTTP edge: the FastAPI app, page negotiation and headers, the fast path and the
server process."""
