# Raises its own classes named like the host's: they must count as plain exceptions.
class StrategyTimeout(BaseException):
    pass


class StateProblem(Exception):
    pass


def main(data, ctx):
    if ctx.params.get("which") == "state":
        raise StateProblem("not really")
    raise StrategyTimeout("not really")
