"""The one error type of the bots: parameters that cannot work."""
from __future__ import annotations


class BotConfigError(ValueError):
    """A bot's parameters (or the symbol's rules) cannot work.

    `field` names the parameter to change (e.g. "investment", "levels", "rules.tick_size");
    `message` says why, in words a user can act on.
    """

    code = "invalid-params"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def to_dict(self) -> dict:
        """The problem as the API reports it: code, field and message."""
        return {"code": self.code, "field": self.field, "message": self.message}
