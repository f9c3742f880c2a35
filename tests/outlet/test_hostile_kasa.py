"""python-kasa against a hostile outlet: whatever the plug answers, the outlet reads or raises our own error."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.mining_fleet.api.errors import ApiError
from custom_components.mining_fleet.api.outlets import KasaOutlet, OutletState
from simulators.kasa import BUILTIN_PLUG, KasaSimulator

# Values a broken or hostile firmware might put where the real one has its fields.
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
FIELDS = (
    "relay_state",
    "alias",
    "model",
    "mac",
    "deviceId",
    "sw_ver",
    "hw_ver",
    "type",
    "children",
    "feature",
)


def _hostile(changes: dict[str, Any], drop: list[str], emeter: Any) -> dict[str, Any]:
    """Return the built-in plug's replies with fields replaced, dropped, and a hostile energy meter."""
    sysinfo = {**BUILTIN_PLUG["system"]["get_sysinfo"], **changes}
    for field in drop:
        sysinfo.pop(field, None)
    return {"system": {"get_sysinfo": sysinfo}, "emeter": {"get_realtime": emeter}}


async def _read(replies: dict[str, Any]) -> OutletState | None:
    """Serve the replies on loopback and read them through python-kasa; return None on our own error."""
    device = KasaSimulator(replies)
    await device.start()
    outlet = KasaOutlet("127.0.0.1", port=device.port, timeout=2)
    try:
        return await outlet.state()
    except ApiError:
        return None
    finally:
        await outlet.close()
        await device.stop()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    changes=st.dictionaries(st.sampled_from(FIELDS), JUNK, max_size=4),
    drop=st.lists(st.sampled_from(FIELDS), max_size=3),
    emeter=st.one_of(
        JUNK, st.dictionaries(st.sampled_from(["power", "power_mw", "err_code"]), JUNK, max_size=3)
    ),
)
async def test_any_reply_reads_or_raises_our_error(
    socket_enabled: None, changes: dict[str, Any], drop: list[str], emeter: Any
) -> None:
    """A reading is a bool and a finite power or None; anything else is an ApiError, never a crash."""
    state = await _read(_hostile(changes, drop, emeter))
    if state is not None:
        assert isinstance(state.on, bool)
        assert state.power_w is None or isinstance(state.power_w, float)


@pytest.mark.parametrize(
    "replies",
    [
        {"system": {"get_sysinfo": {"err_code": -1, "err_msg": "module not support"}}},
        {"system": "not a module"},
        {},
    ],
)
async def test_broken_devices_are_our_error(socket_enabled: None, replies: dict[str, Any]) -> None:
    """A device whose sysinfo is an error, not an object, or missing is reported as unreadable."""
    assert await _read(replies) is None
