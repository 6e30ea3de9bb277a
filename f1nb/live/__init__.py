"""Live sessions: SignalR client, local replay server, lake sink, recorder, timing tower.

    from f1nb.live import LiveSession
    live = LiveSession(lake, source="demo", speed=60).start(); live.widget(); ...; live.stop()
"""

from .session import LiveSession, replay_into_lake

__all__ = ["LiveSession", "replay_into_lake"]
