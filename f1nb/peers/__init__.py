"""Comparisons with peer libraries' readings of the same data."""
