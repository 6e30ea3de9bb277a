"""f1nb: Formula 1 live-timing data as a lakehouse in Jupyter."""
__version__ = "0.1.0"
