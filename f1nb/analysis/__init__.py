"""Analyses computed from a session's tables in pandas/numpy (a lap or two at a time)."""
