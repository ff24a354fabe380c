"""The reviewers' web workspace and review API: accounts, sign-in, the queue and the
routes."""
