import _posixsubprocess
import os


def main(data):
    _posixsubprocess.fork_exec(
        [b"/usr/bin/touch", b"/tmp/tradectl-escape-fork-exec"], [b"/usr/bin/touch"], True, (), None, None,
        -1, -1, -1, -1, -1, -1, *os.pipe(), False, False, None, None, None, -1, None, False)
    return None
