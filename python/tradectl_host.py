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


class ContractProblem(Exception):
    """prepare() or signals() returned something the contract does not take (invalid-signal)."""


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


class _Lazy:
    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text


class Context:
    """What `main(data, ctx)` receives besides the candles.

    `account` is the strategy's reference account at the candle's close (market, balances,
    position, open_orders, fills and rejected since the previous call) and `rules` the symbol's
    trading rules, where the platform simulates one (ORDERS.md); None otherwise.
    """
    __slots__ = ("symbol", "timeframe", "candle_time", "params", "state", "_account", "_rules")

    def __init__(self, symbol, timeframe, candle_time, params, state, account=None, rules=None):
        self.symbol = symbol
        self.timeframe = timeframe
        self.candle_time = candle_time
        self.params = params
        self.state = state
        self._account = account
        self._rules = rules

    # account and rules may arrive as JSON text, parsed on first use: most strategies never read them.
    @property
    def account(self):
        if type(self._account) is _Lazy:
            self._account = _account(self._account.text)
        return self._account

    @account.setter
    def account(self, value):
        self._account = value

    @property
    def rules(self):
        if type(self._rules) is _Lazy:
            self._rules = json.loads(self._rules.text)
        return self._rules

    @rules.setter
    def rules(self, value):
        self._rules = value

    def __repr__(self):
        return "Context(symbol=%r, timeframe=%r, candle_time=%r)" % (self.symbol, self.timeframe, self.candle_time)


def _wants_ctx(main, name="main"):
    """1 when the function takes only data, 2 when it also takes ctx."""
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
            raise LoadProblem("%s() has a required keyword-only parameter %r; the contract is %s(data) or %s(data, ctx)" % (name, p.name, name, name))
    if positional == 0:
        raise LoadProblem("%s() takes no positional parameter; the contract is %s(data) or %s(data, ctx)" % (name, name, name))
    if required > 2:
        raise LoadProblem("%s() requires %d parameters; the contract is %s(data) or %s(data, ctx)" % (name, required, name, name))
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
    fns = {}
    for fn_name in ("main", "prepare", "signals"):
        fn = mod.__dict__.get(fn_name)
        if fn is not None and not callable(fn):
            raise LoadProblem("%s is a %s, not a function" % (fn_name, type(fn).__name__))
        fns[fn_name] = fn
    main = fns["main"]
    if main is None and fns["signals"] is None:
        raise LoadProblem("the strategy defines no main(data) function (nor signals(data, ctx))")
    if main is not None and fns["signals"] is not None:
        raise LoadProblem("the strategy defines both main and signals; define one: signals(data, ctx) runs live on "
                          "each window's last candle as well as in backtests")
    if fns["prepare"] is None and fns["signals"] is None:
        return mod, main, _wants_ctx(main)
    return mod, Composed(fns["prepare"], main, fns["signals"]), 2


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
                          _Lazy(account_json) if account_json else None, _Lazy(rules_json) if rules_json else None)
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
    if t is ContractProblem:
        return "contract"
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


# ---- prepare / signals: vectorised strategies --------------------------------------------

ACTIONS = ("HOLD", "BUY", "SELL", "CLOSE")          # signal column codes 0..3
_CODES = {"HOLD": 0, "BUY": 1, "SELL": 2, "CLOSE": 3}
_SIGNAL_COLUMNS = ("action", "stopLoss", "takeProfit")


def _call(fn, arity, data, ctx):
    return fn(data, ctx) if arity == 2 else fn(data)


class Composed:
    """The `main` the host calls for a strategy that defines prepare(data, ctx) and/or
    signals(data, ctx): live, prepare runs on each window, then main (or signals, whose last row
    is the candle's signal). Backtests call the parts apart (`Backtest`)."""
    __slots__ = ("prepare", "prepare_arity", "main", "main_arity", "signals", "signals_arity")

    def __init__(self, prepare, main, signals):
        self.prepare, self.main, self.signals = prepare, main, signals
        self.prepare_arity = _wants_ctx(prepare, "prepare") if prepare is not None else 0
        self.main_arity = _wants_ctx(main) if main is not None else 0
        self.signals_arity = _wants_ctx(signals, "signals") if signals is not None else 0

    def prepared(self, data, ctx):
        """prepare's frame: what it returned, or `data` when it added columns in place and returned None."""
        if self.prepare is None:
            return data
        out = _call(self.prepare, self.prepare_arity, data, ctx)
        if out is None:
            return data
        pd, _ = _pandas()
        if not isinstance(out, pd.DataFrame):
            raise ContractProblem("prepare() returned a %s; expected the DataFrame with its indicator columns "
                                  "(or None after adding them in place)" % type(out).__name__)
        if len(out) != len(data) or not (out.index is data.index or out.index.equals(data.index)):
            raise ContractProblem("prepare() returned %d rows for %d candles, or another index; it must add columns "
                                  "and keep every candle" % (len(out), len(data)))
        return out

    def columns(self, frame, ctx):
        """signals' columns over `frame` (already prepared): (codes int8, stop float64, take float64)."""
        return signal_columns(_call(self.signals, self.signals_arity, frame, ctx), len(frame))

    def __call__(self, data, ctx=None):
        frame = self.prepared(data, ctx)
        if self.main is not None:
            return _call(self.main, self.main_arity, frame, ctx)
        codes, stop, take = self.columns(frame, ctx)
        return row_signal(codes, stop, take, len(frame) - 1)


def contract_of(main):
    """Which functions the strategy defines: main, prepare+main, signals or prepare+signals."""
    if type(main) is not Composed:
        return "main"
    return ("prepare+" if main.prepare is not None else "") + ("main" if main.main is not None else "signals")


def _action_codes(actions, n):
    pd, np = _pandas()
    s = actions if isinstance(actions, pd.Series) else pd.Series(np.asarray(actions))
    if len(s) != n:
        raise ContractProblem("signals() returned %d actions for %d candles; it must give one per candle" % (len(s), n))
    v = s.to_numpy()
    if v.dtype.kind in "iuf":   # numbers: 1 BUY, -1 SELL, 0 or NaN HOLD
        codes = np.zeros(n, dtype=np.int8)
        codes[v == 1] = 1
        codes[v == -1] = 2
        bad = ~((v == 1) | (v == -1) | (v == 0) | (v != v))
    elif v.dtype.kind == "O":   # strings BUY/SELL/CLOSE/HOLD in any case; None/NaN HOLD
        missing = pd.isna(v)
        try:
            mapped = pd.Series(v, copy=False).str.upper().map(_CODES)
        except AttributeError:  # not all strings
            mapped = pd.Series([_CODES.get(x.upper()) if isinstance(x, str) else None for x in v], dtype=object)
        bad = mapped.isna().to_numpy() & ~missing
        codes = mapped.fillna(0).to_numpy().astype(np.int8)
    else:
        raise ContractProblem("signals() returned actions of dtype %s; expected BUY/SELL/CLOSE/HOLD strings "
                              "or 1/-1/0" % v.dtype)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ContractProblem("signals() gave action %r at candle %d (%s); expected BUY, SELL, CLOSE, HOLD, None, "
                              "or 1/-1/0" % (v[i], i, s.index[i] if i < len(s.index) else i))
    return codes


def _price_column(col, name, n):
    _, np = _pandas()
    if col is None:
        return None
    try:
        v = np.asarray(col, dtype=np.float64)
    except (TypeError, ValueError):
        raise ContractProblem("the %s column must hold numbers (NaN for none)" % name) from None
    if v.shape != (n,):
        raise ContractProblem("the %s column has %d values for %d candles" % (name, v.size, n))
    bad = ~((v != v) | (np.isfinite(v) & (v > 0)))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ContractProblem("%s at candle %d is %r; a price must be finite and > 0 (NaN for none)" % (name, i, float(v[i])))
    return v


def signal_columns(result, n):
    """Normalises what signals() returned: a column of actions (Series, array, list) or a DataFrame
    with `action` and optional `stopLoss` and `takeProfit` columns, one row per candle."""
    pd, _ = _pandas()
    stop = take = None
    if isinstance(result, pd.DataFrame):
        extra = [c for c in result.columns if c not in _SIGNAL_COLUMNS]
        if "action" not in result.columns or extra:
            raise ContractProblem("signals() returned a DataFrame with columns %r; expected action and optionally "
                                  "stopLoss and takeProfit" % list(result.columns))
        actions = result["action"]
        stop = result["stopLoss"] if "stopLoss" in result.columns else None
        take = result["takeProfit"] if "takeProfit" in result.columns else None
    elif isinstance(result, (pd.Series, list, tuple)) or type(result).__name__ == "ndarray":
        actions = result
    else:
        raise ContractProblem("signals() returned a %s; expected a column of actions or a DataFrame with an action "
                              "column" % type(result).__name__)
    return _action_codes(actions, n), _price_column(stop, "stopLoss", n), _price_column(take, "takeProfit", n)


def row_signal(codes, stop, take, i):
    """The signal dict of candle `i` (None for HOLD), as main would return it."""
    c = int(codes[i])
    if c == 0:
        return None
    d = {"action": ACTIONS[c]}
    if stop is not None and stop[i] == stop[i]:
        d["stopLoss"] = float(stop[i])
    if take is not None and take[i] == take[i]:
        d["takeProfit"] = float(take[i])
    return d


def _rows(frame, start, stop):
    """Rows [start, stop) of `frame` as a new frame over the same arrays (no copy)."""
    fast = _frames()
    if fast.ok:
        return fast.frame(frame._mgr.get_slice(slice(start, stop), axis=1))
    out = frame.iloc[start:stop]
    out._is_copy = None
    return out


def _freeze(frame):
    """Makes the numeric arrays under `frame` read-only (object columns stay writable: pandas 1.5
    cannot compare a read-only object array)."""
    for blk in frame._mgr.blocks:
        values = blk.values
        if getattr(values, "dtype", None) is not None and values.dtype.kind in "fiub" and hasattr(values, "flags"):
            values.flags.writeable = False


def _same(a, b):
    try:
        if a != a and b != b:
            return True
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
            return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
        return bool(a == b)
    except Exception:
        return False


def _plain(x):
    return x.item() if hasattr(x, "item") else x


class Backtest:
    """One backtest of a Composed strategy over a whole history (`shared`): prepare once, signals
    once, window views of the prepared frame for main, and re-evaluation on truncated history."""
    __slots__ = ("parts", "source", "frame", "codes", "stop", "take", "pieces")

    def __init__(self, main, shared):
        self.parts = main
        self.source = shared.template   # read-only; never handed out (views are)
        self.frame = None
        self.codes = self.stop = self.take = None
        self.pieces = None  # what `window` slices: blocks, columns, index stamps (pandas internals, when available)

    def prepare(self, data, ctx):
        frame = self.parts.prepared(data, ctx)
        frame._consolidate_inplace()
        _freeze(frame)
        self.frame = frame
        fast = _frames()
        index = frame.index
        if fast.ok and isinstance(index, fast.dt_index) and str(index.tz) == "UTC" and all(b.values.ndim == 2 for b in frame._mgr.blocks):
            self.pieces = ([(b.__class__, b.values, b._mgr_locs) for b in frame._mgr.blocks], frame.columns,
                           index._data._ndarray, fast)
        return list(frame.columns)

    def signals(self, _unused, ctx):
        self.codes, self.stop, self.take = self.parts.columns(self.frame, ctx)
        empty = b""
        return (self.codes.tobytes(), self.stop.tobytes() if self.stop is not None else empty,
                self.take.tobytes() if self.take is not None else empty)

    def window(self, end, lookback):
        """What main sees for candle `end`: the prepared rows of its window, over the same arrays."""
        start = max(0, end - lookback + 1)
        if self.pieces is None:
            return _rows(self.frame, start, end + 1)
        blocks, columns, stamps, fast = self.pieces
        index = fast.dt_index._simple_new(fast.dt_array._simple_new(stamps[start:end + 1], dtype=fast.tz), name=None)
        return fast.frame(fast.manager(tuple(cls(v[:, start:end + 1], locs, 2) for cls, v, locs in blocks),
                                       [columns, index], verify_integrity=False))

    def check(self, t, ctx):
        """Re-evaluates prepare (and signals) on the history up to candle t and compares every row
        with the whole history's (a causal column cannot change when later candles are cut off; row t
        is checked against any horizon, row r < t against horizons past t - r). Returns None, or
        (column, row, value over the whole history, value on the history up to t)."""
        data = _rows(self.source, 0, t + 1)
        truncated = self.parts.prepared(data, ctx)
        full = self.frame
        for name in full.columns:
            if name not in truncated.columns:
                return (str(name), t, repr(_plain(full[name].iat[t])), "<missing>")
            r = _first_difference(full[name].to_numpy()[:t + 1], truncated[name].to_numpy())
            if r is not None:
                return (str(name), r, repr(_plain(full[name].iat[r])), repr(_plain(truncated[name].iat[r])))
        if self.parts.signals is not None and self.codes is not None:
            codes, stop, take = self.parts.columns(truncated, ctx)
            r = _first_difference(self.codes[:t + 1], codes)
            if r is not None:
                return ("action", r, ACTIONS[int(self.codes[r])], ACTIONS[int(codes[r])])
            for name, whole, part in (("stopLoss", self.stop, stop), ("takeProfit", self.take, take)):
                if (whole is None) != (part is None):
                    return (name, t, "a column" if whole is not None else "None", "a column" if part is not None else "None")
                r = None if whole is None else _first_difference(whole[:t + 1], part)
                if r is not None:
                    return (name, r, repr(float(whole[r])), repr(float(part[r])))
        return None


def _first_difference(a, b):
    """The first row where two columns differ (NaN equals NaN; floats within 1e-9 relative), or None.
    Object columns are compared at their last row only."""
    _, np = _pandas()
    if len(a) != len(b):
        return min(len(a), len(b)) - 1
    if a.dtype.kind in "fiub" and b.dtype.kind in "fiub":
        x, y = a.astype(np.float64, copy=False), b.astype(np.float64, copy=False)
        with np.errstate(invalid="ignore"):
            same = (x == y) | ((x != x) & (y != y)) | (np.abs(x - y) <= 1e-9 * np.maximum(1.0, np.maximum(np.abs(x), np.abs(y))))
        bad = np.flatnonzero(~same)
        return int(bad[0]) if bad.size else None
    last = len(a) - 1
    return None if last < 0 or _same(_plain(a[last]), _plain(b[last])) else last


def backtest_of(main, shared):
    return Backtest(main, shared)


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
