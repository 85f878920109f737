# Raises its own classes named like the host's: they must count as plain exceptions.
class StrategyTimeout(BaseException):
    pass


class StateProblem(Exception):
    pass


def main(data, ctx):
    which = ctx.params.get("which")
    if which == "state":
        raise StateProblem("not really")
    if which == "exception":
        class StrategyTimeout(Exception):  # noqa: F811 - the point of the fixture
            pass
        raise StrategyTimeout("not really")
    raise StrategyTimeout("not really")
