"""Check, offline, that every bittensor SDK name and signature BittensorChain uses exists.

Run it with an interpreter that has bittensor installed (never the project's venvs), e.g.
`/tmp/btvenv/bin/python scripts/check_bittensor_sdk.py`. It opens no connection: the one client it
builds points at ws://127.0.0.1:9 with empty fallback and archive pools and is never connected.
Exit status 0 when everything is present, 1 otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
import importlib
import inspect
import sys
from typing import Any

UNREACHABLE = "ws://127.0.0.1:9"

# (dotted attribute path under the bittensor package, parameters its signature must accept)
NAMES: list[tuple[str, tuple[str, ...]]] = [
    ("Client", ("network", "fallback_endpoints", "archive_endpoints")),
    ("Client.connect", ()),
    ("Client.close", ()),
    ("Client.block", ()),
    ("Client.wait_for_block", ("block", "timeout")),
    ("Client.timestamp", ("block",)),
    ("Client.block_info", ("block",)),
    ("Client.query", ("item", "params", "block")),
    ("Client.query_map", ("item", "params", "block")),
    ("Client.runtime", ("method", "params", "block")),
    ("Client.submit_call", ("call", "wallet")),
    ("Wallet", ("name", "hotkey", "path")),
    ("storage.System.BlockHash", ()),
    ("storage.Timestamp.Now", ()),
    ("storage.Commitments.CommitmentOf", ()),
    ("storage.SubtensorModule.Tempo", ()),
    ("storage.SubtensorModule.MechanismEmissionSplit", ()),
    ("runtime_api.NeuronInfoRuntimeApi.get_neurons_lite", ()),
    ("calls.Commitments.set_commitment", ("netuid", "info")),
    ("ExtrinsicResult", ("success", "message", "extrinsic_id", "error")),
    ("ChainError", ("message", "name", "code")),
    ("ErrorCode.RATE_LIMITED", ()),
    ("ErrorCode.NOT_REGISTERED", ()),
    ("ErrorCode.INSUFFICIENT_BALANCE", ()),
    ("RpcConnectionError", ()),
    ("ConnectionNotReady", ()),
]
# Chain error names the refusal mapping relies on, looked up in the SDK's generated error catalog.
CHAIN_ERRORS = ("AccountNotAllowedCommit", "SpaceLimitExceeded", "TooManyFieldsInCommitmentInfo")
# Pool-rejection names the SDK resolves from "Custom error: N" and standard validity failures.
POOL_ERRORS = ("RateLimitExceeded", "HotKeyNotRegisteredInSubNet", "HotKeyNotRegisteredInNetwork", "Payment")


def resolve(root: Any, dotted: str) -> Any:
    """Return the attribute at a dotted path, raising AttributeError when a part is missing."""
    value = root
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


def missing_parameters(value: Any, wanted: tuple[str, ...]) -> list[str]:
    """Return the wanted parameters a callable's signature lacks (a dataclass: its fields)."""
    if not wanted:
        return []
    target: Callable[..., Any] = value.__init__ if inspect.isclass(value) else value
    names = set(inspect.signature(target).parameters)
    return [name for name in wanted if name not in names]


def check_names(sdk: Any) -> bool:
    """Print OK or MISSING for every name and signature; return whether all are present."""
    healthy = True
    for dotted, wanted in NAMES:
        try:
            lacking = missing_parameters(resolve(sdk, dotted), wanted)
        except AttributeError:
            print(f"MISSING  bittensor.{dotted}")
            healthy = False
            continue
        if lacking:
            print(f"MISSING  bittensor.{dotted} parameters {lacking}")
            healthy = False
        else:
            print(f"OK       bittensor.{dotted}{'(' + ', '.join(wanted) + ')' if wanted else ''}")
    return healthy


def check_error_names() -> bool:
    """Print OK or MISSING for the chain and pool error names the refusal mapping uses."""
    errors = importlib.import_module("bittensor._generated.errors").ERRORS
    error_map = importlib.import_module("bittensor.error_map")
    catalog = {info.name for info in errors.values()}
    known = catalog | set(error_map.CUSTOM_TRANSACTION_ERRORS.values()) | set(error_map.DISPATCH_ERRORS)
    healthy = True
    for name in (*CHAIN_ERRORS, *POOL_ERRORS):
        present = name in known
        healthy &= present
        print(f"{'OK      ' if present else 'MISSING '} chain error {name}")
    return healthy


def check_offline_client(sdk: Any) -> bool:
    """Build (never connect) a client pinned to an unreachable loopback port with no pools."""
    client = sdk.Client(UNREACHABLE, fallback_endpoints=[], archive_endpoints=[])
    substrate = client._substrate  # noqa: SLF001 - the only place the pools can be read back
    pinned = substrate.fallback_endpoints == [] and substrate.archive_endpoints == []
    print(f"{'OK      ' if pinned else 'MISSING '} Client({UNREACHABLE!r}) keeps no fallback/archive pools")
    call = sdk.calls.Commitments.set_commitment(89, {"fields": [{"Raw3": "0x616263"}]})
    shaped = (call.module, call.function) == ("Commitments", "set_commitment")
    print(f"{'OK      ' if shaped else 'MISSING '} calls.Commitments.set_commitment builds {call!r}")
    return pinned and shaped


def main() -> int:
    """Run every check and return the exit status."""
    try:
        sdk = importlib.import_module("bittensor")
    except ImportError:
        print("MISSING  bittensor (run this with an interpreter that has it installed)")
        return 1
    print(f"bittensor {getattr(sdk, '__version__', '?')}")
    results = [check_names(sdk), check_error_names(), check_offline_client(sdk)]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
