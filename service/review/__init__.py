"""The review stage: approvals and revocations bound to the exact text, the ledgers and their
hash-chained histories, the audit, and the provenance a page states."""

from service.review.approvals import Decision, Refused, approve, plan_approvals, revoke
from service.review.readiness import Lacking, Selection, approvable, may_sign, translator_of
from service.review.waiting import (
    Change,
    PendingItem,
    Shown,
    TextChanged,
    diff_words,
    pending,
)

__all__ = [
    "Change",
    "Decision",
    "Lacking",
    "PendingItem",
    "Refused",
    "Selection",
    "Shown",
    "TextChanged",
    "approvable",
    "approve",
    "diff_words",
    "may_sign",
    "pending",
    "plan_approvals",
    "revoke",
    "translator_of",
]
