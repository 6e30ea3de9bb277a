"""Analyses of one session: in pandas/numpy a lap or two at a time (lap_delta), or as Ibis
expressions run in the engine (car_ahead_gaps, mini_sectors)."""
