"""The six bots of tradectl as parameterised strategies: grid, dca, btd, loop, dca_futures and
combo. Each module exposes `main(data, ctx)`, `validate(params, rules, price)` and
`preview(params, rules, price)`; the shared pieces (lines, rounding, safety-order ladders, the
book of orders and its reconciliation, fills, profit accounting, liquidation prices) live once
in the other modules. The order contract they follow is the README's "Order level" section
(order intents, `ctx.account`).
"""
from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any, Mapping, Optional

from tradekit.bots.errors import BotConfigError

TYPES = ("grid", "dca", "btd", "loop", "dca_futures", "combo")

__all__ = ["BotConfigError", "TYPES", "module", "validate", "preview"]


def module(kind: str) -> ModuleType:
    """The module of bot type `kind` (BotConfigError on "type" for an unknown one)."""
    if kind not in TYPES:
        raise BotConfigError("type", f"must be one of {', '.join(TYPES)}, got {kind!r}")
    return importlib.import_module(f"tradekit.bots.{kind}")


def validate(kind: str, params: Optional[Mapping[str, Any]], rules: Any, price: float) -> dict:
    """Check a bot's params for a start at `price`; returns the normalised params."""
    return module(kind).validate(params, rules, price)


def preview(kind: str, params: Optional[Mapping[str, Any]], rules: Any, price: float) -> dict:
    """The preview of a bot started at `price` (JSON-serialisable), placing nothing."""
    return module(kind).preview(params, rules, price)
