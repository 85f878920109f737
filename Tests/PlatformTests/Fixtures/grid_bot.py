"""The grid bot of python/tradekit/bots, as a strategy a user would upload (its params in the version)."""
from tradekit.bots.grid import main  # noqa: F401
