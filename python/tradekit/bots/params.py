"""Reading a bot's parameters: every problem is a BotConfigError naming the field."""
from __future__ import annotations

import math
from typing import Any, Iterable, Mapping, Optional, Sequence

from tradekit.bots.errors import BotConfigError

_REQUIRED: Any = object()


def fmt(x: float) -> str:
    """A number as a user wrote it: 0.005, 110, 1e-08."""
    return f"{x:.10g}"


class Params:
    """Typed access to a params dict. Unknown keys are refused (a typo must not pass silently);
    None counts as absent."""

    def __init__(self, params: Optional[Mapping[str, Any]], known: Iterable[str]) -> None:
        if params is not None and not isinstance(params, Mapping):
            raise BotConfigError("params", "must be an object")
        self.raw: dict = {k: v for k, v in (params or {}).items() if v is not None}
        allowed = set(known)
        for key in sorted(self.raw):
            if key not in allowed:
                raise BotConfigError(key, f"unknown parameter (known: {', '.join(sorted(allowed))})")

    def has(self, name: str) -> bool:
        return name in self.raw

    def number(self, name: str, default: Any = _REQUIRED, *, lo: Optional[float] = None,
               hi: Optional[float] = None, above: Optional[float] = None,
               below: Optional[float] = None) -> Any:
        """A finite number within [lo, hi] and (above, below); `default` when absent
        (which may be None for an optional setting)."""
        value = self.raw.get(name, _REQUIRED)
        if value is _REQUIRED:
            if default is _REQUIRED:
                raise BotConfigError(name, "is required")
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise BotConfigError(name, f"must be a number, got {type(value).__name__}")
        value = float(value)
        if not math.isfinite(value):
            raise BotConfigError(name, "must be a finite number")
        if lo is not None and value < lo:
            raise BotConfigError(name, f"must be at least {fmt(lo)}, got {fmt(value)}")
        if hi is not None and value > hi:
            raise BotConfigError(name, f"must be at most {fmt(hi)}, got {fmt(value)}")
        if above is not None and value <= above:
            raise BotConfigError(name, f"must be above {fmt(above)}, got {fmt(value)}")
        if below is not None and value >= below:
            raise BotConfigError(name, f"must be below {fmt(below)}, got {fmt(value)}")
        return value

    def integer(self, name: str, default: Any = _REQUIRED, *, lo: int, hi: int) -> int:
        value = self.number(name, default)
        if value != int(value):
            raise BotConfigError(name, f"must be a whole number, got {fmt(value)}")
        if not lo <= value <= hi:
            raise BotConfigError(name, f"must be between {lo} and {hi}, got {int(value)}")
        return int(value)

    def choice(self, name: str, default: Any, options: Sequence[str]) -> str:
        value = self.raw.get(name, default)
        if value is _REQUIRED:
            raise BotConfigError(name, "is required")
        if not isinstance(value, str) or value not in options:
            raise BotConfigError(name, f"must be one of {', '.join(options)}, got {value!r}")
        return value

    def flag(self, name: str, default: bool) -> bool:
        value = self.raw.get(name, default)
        if not isinstance(value, bool):
            raise BotConfigError(name, f"must be true or false, got {value!r}")
        return value

    def text(self, name: str, default: Optional[str] = None) -> Optional[str]:
        value = self.raw.get(name, default)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise BotConfigError(name, "must be a non-empty string")
        return value


def require(ok: bool, field: str, message: str) -> None:
    """Raise BotConfigError(field, message) unless `ok`."""
    if not ok:
        raise BotConfigError(field, message)
