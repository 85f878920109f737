"""The tradectl host's Python side, run in every interpreter as the module `_tradectl_host`.

It holds what is simpler in Python than through the C API: loading a strategy module, the per-call
wrapper (output capture, recursion limit, `ctx`, state round trip) and the frame builder. The audit
hook, the guards on dangerous functions, the memory budget and the watchdog are on the Swift side.

This file is embedded in the binary: `scripts/embed-host.sh` writes it into
Sources/StrategyRuntime/Host/HostSupportSource.swift, and a test fails when the two differ.
pytest covers it in python/tests/test_host.py.
"""
import sys, json, types, inspect, traceback, datetime as _dt

_UTC = _dt.timezone.utc
_setrecursionlimit = sys.setrecursionlimit
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_UTC)


class StrategyTimeout(BaseException):
    """Injected by the tradectl watchdog when a call passes its wall-clock timeout."""


class SandboxViolation(PermissionError):
    """Raised when strategy code tries something the sandbox policy forbids."""


class StateProblem(Exception):
    """ctx.state could not be serialised as JSON."""


class LoadProblem(Exception):
    """A strategy module that compiled but does not follow the contract."""


class _State:
    active = False          # True while strategy code runs
    timing_out = False      # True once the watchdog has fired for the current call


state = _State()


class OutputCap:
    """A text stream that keeps at most `limit` characters and counts the rest."""
    __slots__ = ("parts", "size", "limit")
    encoding = "utf-8"
    errors = "replace"

    def __init__(self, limit):
        self.parts = []
        self.size = 0
        self.limit = limit

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("write() argument must be str, not " + type(s).__name__)
        room = self.limit - self.size
        if room > 0:
            self.parts.append(s if len(s) <= room else s[:room])
        self.size += len(s)
        return len(s)

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        pass

    def isatty(self):
        return False

    def writable(self):
        return True

    def value(self):
        return "".join(self.parts)


class Context:
    """What `main(data, ctx)` receives besides the candles.

    `account` is the strategy's reference account at the candle's close (market, balances,
    position, open_orders, fills and rejected since the previous call) and `rules` the symbol's
    trading rules, where the platform simulates one (ORDERS.md); None otherwise.
    """
    __slots__ = ("symbol", "timeframe", "candle_time", "params", "state", "account", "rules")

    def __init__(self, symbol, timeframe, candle_time, params, state, account=None, rules=None):
        self.symbol = symbol
        self.timeframe = timeframe
        self.candle_time = candle_time
        self.params = params
        self.state = state
        self.account = account
        self.rules = rules

    def __repr__(self):
        return "Context(symbol=%r, timeframe=%r, candle_time=%r)" % (self.symbol, self.timeframe, self.candle_time)


def _wants_ctx(main):
    """1 when main takes only data, 2 when it also takes ctx."""
    try:
        sig = inspect.signature(main)
    except (TypeError, ValueError):
        return 2
    positional = 0
    required = 0
    for p in sig.parameters.values():
        if p.kind == p.VAR_POSITIONAL:
            return 2
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            positional += 1
            if p.default is p.empty:
                required += 1
        elif p.kind == p.KEYWORD_ONLY and p.default is p.empty:
            raise LoadProblem("main() has a required keyword-only parameter %r; the contract is main(data) or main(data, ctx)" % p.name)
    if positional == 0:
        raise LoadProblem("main() takes no positional parameter; the contract is main(data) or main(data, ctx)")
    if required > 2:
        raise LoadProblem("main() requires %d parameters; the contract is main(data) or main(data, ctx)" % required)
    return 2 if positional >= 2 else 1


def load(name, source, filename):
    """Compile and execute a strategy module; return (module, main, arity)."""
    code = compile(source, filename, "exec", dont_inherit=True)
    mod = types.ModuleType(name)
    mod.__file__ = filename
    import builtins, linecache
    mod.__builtins__ = dict(builtins.__dict__)   # a strategy that rebinds a builtin changes only its own
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(code, mod.__dict__)
    main = mod.__dict__.get("main")
    if main is None:
        raise LoadProblem("the strategy defines no main(data) function")
    if not callable(main):
        raise LoadProblem("main is a %s, not a function" % type(main).__name__)
    return mod, main, _wants_ctx(main)


def run_load(name, source, filename, out_limit, rec_limit):
    """Load under the same capture and recursion limit as a call."""
    out, err = OutputCap(out_limit), OutputCap(out_limit)
    saved = sys.stdout, sys.stderr, sys.getrecursionlimit()
    sys.stdout, sys.stderr = out, err
    _setrecursionlimit(rec_limit)
    try:
        result = load(name, source, filename)
        return (True, result, out.value(), err.value(), out.size + err.size)
    except BaseException as exc:
        return (False, exc, out.value(), err.value(), out.size + err.size)
    finally:
        sys.stdout, sys.stderr = saved[0], saved[1]
        _setrecursionlimit(saved[2])


def _account(account_json):
    """ctx.account from its JSON: an object with attributes, whose values are plain dicts and lists."""
    return types.SimpleNamespace(**json.loads(account_json)) if account_json else None


def invoke(main, arity, data, symbol, timeframe, time_ms, params_json, state_json, out_limit, rec_limit,
           account_json=None, rules_json=None):
    """Call main once; never raises. Returns (ok, result_or_exception, state_json, stdout, stderr, out_total)."""
    out, err = OutputCap(out_limit), OutputCap(out_limit)
    saved = sys.stdout, sys.stderr, sys.getrecursionlimit()
    sys.stdout, sys.stderr = out, err
    _setrecursionlimit(rec_limit)
    try:
        if arity == 1:
            result = main(data)
            new_state = None
        else:
            ctx = Context(symbol, timeframe,
                          _EPOCH + _dt.timedelta(milliseconds=time_ms),
                          json.loads(params_json) if params_json != "{}" else {},
                          json.loads(state_json) if state_json != "{}" else {},
                          _account(account_json), json.loads(rules_json) if rules_json else None)
            result = main(data, ctx)
            st = ctx.state
            if type(st) is not dict:
                raise TypeError("ctx.state must stay a dict, got " + type(st).__name__)
            try:
                new_state = json.dumps(st, allow_nan=False, separators=(",", ":")) if st else "{}"
            except (TypeError, ValueError, RecursionError) as exc:
                raise StateProblem("ctx.state is not JSON-serialisable: %s" % exc) from None
        return (True, result, new_state, out.value(), err.value(), out.size + err.size)
    except BaseException as exc:
        return (False, exc, None, out.value(), err.value(), out.size + err.size)
    finally:
        sys.stdout, sys.stderr = saved[0], saved[1]
        _setrecursionlimit(saved[2])


def kind_of(exc):
    """How the host classifies an exception: by the identity of its class, never by its name, so a
    strategy's own class called StrategyTimeout or MemoryError passes for nothing but an exception."""
    t = type(exc)
    if t is StrategyTimeout:
        return "timeout"
    if t is StateProblem:
        return "state"
    if t is LoadProblem:
        return "load-problem"
    if isinstance(exc, SyntaxError):
        return "syntax"
    if isinstance(exc, MemoryError):
        return "memory"
    if isinstance(exc, SystemExit):
        return "exit"
    return "other"


def describe(exc):
    """(type name, message, formatted traceback, line or 0, kind) for an exception."""
    line = 0
    try:
        if isinstance(exc, SyntaxError):
            line = exc.lineno or 0
            msg = exc.msg or str(exc)
        else:
            msg = str(exc)
            tb = exc.__traceback__
            while tb is not None:
                if tb.tb_frame.f_code.co_filename.startswith("<strategy "):
                    line = tb.tb_lineno
                tb = tb.tb_next
    except BaseException:  # a strategy's exception whose __str__ raises
        msg = "<unprintable %s>" % type(exc).__name__
    try:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    except BaseException:
        text = type(exc).__name__ + ": " + msg
    return (type(exc).__name__, msg, text[-16384:], line if isinstance(line, int) else 0, kind_of(exc))


# ---- frames ------------------------------------------------------------------------------

_pd = None
_np = None


class PureFrame:
    """The candle window for interpreters without pandas: read-only columns as tuples."""
    __slots__ = ("_cols", "index")
    columns = ("open", "high", "low", "close", "volume", "symbol")

    def __init__(self, cols, index):
        self._cols = cols
        self.index = index

    def __getitem__(self, key):
        return self._cols[key]

    def __contains__(self, key):
        return key in self._cols

    def __len__(self):
        return len(self.index)

    def __repr__(self):
        return "PureFrame(%d candles)" % len(self.index)


def build_pure_frame(times_ms, o, h, l, c, v, symbol):
    n = len(times_ms)
    return PureFrame({"open": tuple(o), "high": tuple(h), "low": tuple(l), "close": tuple(c),
                      "volume": tuple(v), "symbol": (symbol,) * n}, tuple(times_ms))


def _pandas():
    global _pd, _np
    if _pd is None:
        import numpy, pandas
        _np, _pd = numpy, pandas
    return _pd, _np


class _FastFrames:
    """Builds frames and per-strategy views straight from pandas' internals (pandas 1.5).

    `make` and `view` are about five times cheaper than DataFrame(...) and copy(deep=False).
    `FRAMES.ok` is False when those internals are missing, and the public constructors are used.
    """

    def __init__(self):
        pd, np = _pandas()
        self.ok = False
        try:
            from pandas._libs.internals import BlockPlacement
            from pandas.core.internals.blocks import new_block
            from pandas.core.internals import BlockManager
            from pandas.core.arrays import DatetimeArray
            from pandas.core.dtypes.dtypes import DatetimeTZDtype
            from pandas.core.generic import NDFrame
        except Exception:
            return
        names = np.array(["open", "high", "low", "close", "volume", "symbol"], dtype=object)
        names.flags.writeable = False
        self.names = names
        self.columns = pd.Index._simple_new(names)
        self.values_place = BlockPlacement(slice(0, 5))
        self.symbol_place = BlockPlacement(slice(5, 6))
        self.tz = DatetimeTZDtype(tz=_UTC)
        self.new_block, self.manager, self.ndframe_init = new_block, BlockManager, NDFrame.__init__
        self.dt_array, self.dt_index, self.frame_cls = DatetimeArray, pd.DatetimeIndex, pd.DataFrame
        self.flags_cls = pd.Flags
        self.direct = True
        probe = self.make(np.zeros((5, 2)), np.zeros(2, dtype="M8[ns]"), np.array(["x", "x"], dtype=object))
        reference = object.__new__(self.frame_cls)
        self.ndframe_init(reference, probe._mgr)
        # Fill the instance dict directly only while it matches what NDFrame.__init__ sets.
        self.direct = sorted(vars(reference)) == sorted(vars(probe))
        self.ok = list(probe.columns) == list(names) and str(probe.index.tz) == "UTC" and len(probe) == 2

    def frame(self, mgr):
        f = object.__new__(self.frame_cls)
        if self.direct:  # what NDFrame.__init__ does, without five object.__setattr__ calls
            d = f.__dict__
            d["_is_copy"] = None
            d["_mgr"] = mgr
            d["_item_cache"] = {}
            d["_attrs"] = {}
            d["_flags"] = self.flags_cls(f, allows_duplicate_labels=True)
        else:
            self.ndframe_init(f, mgr)
        return f

    def make(self, block, stamps, sym):
        index = self.dt_index._simple_new(self.dt_array._simple_new(stamps, dtype=self.tz), name=None)
        blocks = (self.new_block(block, self.values_place, ndim=2),
                  self.new_block(sym.reshape(1, -1), self.symbol_place, ndim=2))
        return self.frame(self.manager(blocks, [self.columns._view(), index], verify_integrity=False))

    def view(self, template):
        """A new frame over the same read-only arrays, with its own manager and blocks. The axis
        objects are shared with the template: immutable, but for metadata `restore` resets."""
        mgr = template._mgr
        b0, b1 = mgr.blocks  # same block classes as the template's, built without re-checking
        blocks = (b0.__class__(b0.values, b0._mgr_locs, 2), b1.__class__(b1.values, b1._mgr_locs, 2))
        return self.frame(self.manager(blocks, list(mgr.axes), verify_integrity=False))

    @staticmethod
    def restore(template):
        """Reset the metadata a strategy can set on the shared axes (name, freq)."""
        columns, index = template._mgr.axes
        if columns._name is not None:
            columns._name = None
        if index._name is not None:
            index._name = None
        data = index._data
        if data._freq is not None:
            data._freq = None

    def repair(self):
        """Undo a strategy that made the shared column names writable."""
        if self.names.flags.writeable:
            self.names[:] = ["open", "high", "low", "close", "volume", "symbol"]
            self.names.flags.writeable = False


_fast = None


def _frames():
    global _fast
    if _fast is None:
        _fast = _FastFrames()
    return _fast


class SharedFrame:
    """One candle window in the main interpreter: a template DataFrame over read-only buffers
    (never handed out) and the symbol column it shares with every view."""
    __slots__ = ("template", "sym", "symbol")

    def __init__(self, template, sym, symbol):
        self.template = template
        self.sym = sym
        self.symbol = symbol

    def view(self):
        """What one strategy receives: its own frame. Column inserts, replacements, renames and
        in-place methods stay in it; the shared float buffers are read-only."""
        # The symbol column stays writable: pandas 1.5 cannot compare a read-only object array
        # (`data["symbol"] == "BTCUSDT"` raised "buffer source array is read-only"). Refilling it
        # for every view (about 1 µs for 500 candles) keeps what one strategy wrote from the next.
        self.sym.fill(self.symbol)
        fast = _frames()
        if fast.ok:
            fast.repair()
            fast.restore(self.template)
            return fast.view(self.template)
        return self.template.copy(deep=False)


def build_frame(times_ns, values, n, symbol):
    """The shared frame: `values` holds open, high, low, close, volume column after column."""
    pd, np = _pandas()
    block = np.frombuffer(values, dtype=np.float64).reshape(5, n)
    stamps = np.frombuffer(times_ns, dtype="datetime64[ns]")
    sym = np.empty(n, dtype=object)
    sym.fill(symbol)
    fast = _frames()
    if fast.ok:
        template = fast.make(block, stamps, sym)
    else:
        index = pd.DatetimeIndex(stamps, tz=_UTC, copy=False)
        data = {"open": block[0], "high": block[1], "low": block[2], "close": block[3],
                "volume": block[4], "symbol": sym}
        template = pd.DataFrame(data, index=index, copy=False)
    return SharedFrame(template, sym, symbol)


def view_of(shared):
    return shared.view()


def frame_path():
    """'fast' when frames are built from pandas' internals, 'public' when through DataFrame(...)
    (about five times slower: a pandas whose internals changed)."""
    return "fast" if _frames().ok else "public"


# ---- imports refused in sub-interpreters ------------------------------------------------

class RefusePandas:
    """A meta-path finder that refuses numpy, pandas and friends with a clear message."""
    names = ("numpy", "pandas", "talib", "scipy", "pyarrow", "numba", "sklearn")

    def find_spec(self, fullname, path=None, target=None):
        top = fullname.partition(".")[0]
        if top in self.names:
            raise ImportError(
                "%s cannot be imported at isolation level 'subinterpreter': CPython loads numpy and pandas "
                "into one interpreter per process. Use isolation 'shared' (or 'process')." % top, name=fullname)
        return None


def install_pandas_refusal():
    sys.meta_path.insert(0, RefusePandas())


def on_timeout_signal(signum, frame):
    if state.active and state.timing_out:
        raise StrategyTimeout("strategy call timed out")
