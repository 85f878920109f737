"""pytest for the guards in python/tradectl_host.py: the import refusal of sub-interpreters, the
watchdog's signal handler, the repair of what one view could leave on the shared frame, and the
public frame path a pandas with other internals falls back to."""
import os
import sys

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import tradectl_host as host  # noqa: E402


def frame(n=20, symbol="BTCUSDT"):
    times = (np.arange(n, dtype=np.int64) * 60_000 + 1_700_000_000_000) * 1_000_000
    values = np.arange(5 * n, dtype=np.float64) + 1.0
    return host.build_frame(times.tobytes(), values.tobytes(), n, symbol), values.reshape(5, n)


@pytest.mark.parametrize("name", ["numpy", "pandas.core.frame", "talib", "scipy.stats", "pyarrow", "numba", "sklearn"])
def test_sub_interpreters_refuse_numpy_and_friends_with_a_clear_message(name):
    with pytest.raises(ImportError, match="cannot be imported at isolation level 'subinterpreter'") as info:
        host.RefusePandas().find_spec(name)
    assert info.value.name == name


@pytest.mark.parametrize("name", ["json", "math", "numpyish", "pandas_ta_like"])
def test_other_imports_pass_the_refusal(name):
    assert host.RefusePandas().find_spec(name) is None


def test_the_refusal_goes_first_on_the_meta_path(monkeypatch):
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    host.install_pandas_refusal()
    assert isinstance(sys.meta_path[0], host.RefusePandas)


@pytest.mark.parametrize("active,timing_out,raises", [(True, True, True), (True, False, False), (False, True, False), (False, False, False)])
def test_the_timeout_signal_raises_only_inside_a_call_that_timed_out(monkeypatch, active, timing_out, raises):
    monkeypatch.setattr(host.state, "active", active)
    monkeypatch.setattr(host.state, "timing_out", timing_out)
    if raises:
        with pytest.raises(host.StrategyTimeout):
            host.on_timeout_signal(14, None)
    else:
        assert host.on_timeout_signal(14, None) is None


def test_the_timeout_is_a_base_exception_that_except_exception_does_not_swallow():
    assert not issubclass(host.StrategyTimeout, Exception)
    assert issubclass(host.SandboxViolation, PermissionError)


def test_a_view_that_unlocks_the_shared_column_names_is_repaired():
    shared, _ = frame()
    a = shared.view()
    names = host._frames().names
    names.flags.writeable = True
    names[0] = "hacked"
    a.index.name = "t"
    b = shared.view()
    assert list(b.columns) == ["open", "high", "low", "close", "volume", "symbol"]
    assert not names.flags.writeable
    assert b.index.name is None


def test_a_symbol_written_by_one_view_is_refilled_for_the_next():
    shared, _ = frame(symbol="ETHUSDT")
    a = shared.view()
    a["symbol"].values[:] = "XRPUSDT"
    assert (shared.view()["symbol"] == "ETHUSDT").all()


@pytest.fixture
def changed_pandas(monkeypatch):
    """A pandas whose internals moved: `new_block` is gone, so frames take the public path."""
    import pandas.core.internals.blocks as blocks
    monkeypatch.delattr(blocks, "new_block")
    monkeypatch.setattr(host, "_fast", None)
    yield


def test_a_pandas_with_other_internals_is_reported_as_the_public_path(changed_pandas):
    assert host.frame_path() == "public"


def test_the_public_path_gives_the_same_frames_and_isolation(changed_pandas):
    shared, values = frame()
    a = shared.view()
    assert list(a.columns) == ["open", "high", "low", "close", "volume", "symbol"]
    assert str(a.index.tz) == "UTC" and len(a) == 20
    assert a["close"].iloc[-1] == values[3, -1]
    a["sma"] = a["close"].rolling(3).mean()
    b = shared.view()
    assert "sma" not in b.columns
    assert b["high"].iloc[-1] == values[1, -1]
    assert isinstance(b, pd.DataFrame)
