"""The review stage: approvals and revocations bound to the exact text, the ledgers
and their hash-chained histories, the audit, and the provenance a page states."""
