"""The reviewers' web workspace (`/review/…`, server-rendered HTML) and the review API
(`/v1/reviews…`, JSON), as the routers the app factory includes. Both answer through the same
calls: `queue.build` (what waits for you), `signing.approve_in_tree` and
`signing.revoke_in_tree` (the CLI's write path). The pages' forms work without JavaScript;
`review.js` sends the same requests to the JSON API and updates the page in place.
"""

from service.workspace.docpage import document_router
from service.workspace.pages import pages_router
from service.workspace.password import password_router
from service.workspace.reviews import reviews_router
from service.workspace.sendback import sendback_router
from service.workspace.signin import signin_router
from service.workspace.sso import sso_router

__all__ = ["WORKSPACE_ROUTERS"]

WORKSPACE_ROUTERS = (
    reviews_router,
    signin_router,
    password_router,
    sso_router,
    sendback_router,
    pages_router,
    document_router,
)
