"""The subnet chain over the bittensor SDK 11.x: block-pinned reads and the one commitment write.

bittensor is installed on demand, so it is imported in a worker thread on the first connect and
reached only through `self._sdk`; everything that does not need it (decoding the SDK's value shapes,
refusal reasons, rao to TAO) is a pure function below, testable without the SDK.

Value shapes (bittensor-core's decoder, checked against the SDK's shape corpus for runtime 438):
- `Commitments.CommitmentOf` through `query_map(item, [netuid])`: pairs of (hotkey ss58 string,
  `{"deposit": int, "block": int, "info": {"fields": [Data, ...]}}`) in storage key order;
- `Data`: a unit variant is a string (`"None"`, `"ResetBondsFlag"`); a payload variant a one-key dict.
  `{"RawN": "0x<hex>"}` for N >= 1 (fixed byte arrays always decode as 0x-hex, never as text), and
  `{"Raw0": []}` for the empty one;
- `NeuronInfoRuntimeApi.get_neurons_lite`: a list of dicts with `"hotkey"` (ss58), `"uid"` and
  `"stake"`, a list of (coldkey, amount in rao) pairs;
- `System.BlockHash`: a 0x-hex string; `SubtensorModule.MechanismEmissionSplit`: a list of ints or None.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
import importlib
import logging
import re
from typing import Any, TypeIs

from .errors import ApiConnectionError, ApiError, ApiResponseError, ApiTimeoutError
from .subtensor import (
    NAMED_NETWORKS,
    REFUSED_INSUFFICIENT_FUNDS,
    REFUSED_NOT_REGISTERED,
    REFUSED_OTHER,
    REFUSED_RATE_LIMITED,
    REFUSED_SPACE_EXHAUSTED,
    CommitmentRefusedError,
    Neuron,
    RawCommitment,
)
from .wallet import WALLET_UNREADABLE, WalletError, read_hotkey_address

_LOGGER = logging.getLogger(__name__)

RAO_DECIMALS = 9
# The commitments pallet's Data enum carries Raw0 .. Raw128; the auction's text is at most 128 bytes.
MAX_COMMITMENT_BYTES = 128
_RAW_VARIANT = re.compile(r"Raw(\d{1,3})")
_BLOCK_HASH = re.compile(r"0x[0-9a-f]{64}")
_ZERO_HASH = "0x" + "0" * 64
_EXTRINSIC_ID = re.compile(r"(\d+)-\d+")

# Exception class names (anywhere in the MRO) that mean the chain could not be reached; matched by
# name because the SDK is imported lazily and its websocket layer can surface its own errors.
_CONNECTION_ERRORS = frozenset(
    {
        "RpcConnectionError",
        "ConnectionNotReady",
        "MaxRetriesExceeded",
        "ConnectionClosed",
        "WebSocketException",
    }
)
# The SDK's chain error names and semantic codes (bittensor.ErrorCode values) behind each refusal.
_NOT_REGISTERED_NAMES = frozenset(
    {"AccountNotAllowedCommit", "HotKeyNotRegisteredInSubNet", "HotKeyNotRegisteredInNetwork"}
)
_SPACE_NAMES = frozenset({"SpaceLimitExceeded", "TooManyFieldsInCommitmentInfo"})
_FUNDS_NAMES = frozenset({"Payment", "InsufficientBalance"})
_REASON_BY_CODE = {
    "rate_limited": REFUSED_RATE_LIMITED,
    "not_registered": REFUSED_NOT_REGISTERED,
    "insufficient_balance": REFUSED_INSUFFICIENT_FUNDS,
}
# Chain and pool wording, for failures that carry neither a name nor a code.
_REASON_BY_TEXT = (
    ("rate limit", REFUSED_RATE_LIMITED),
    ("too fast", REFUSED_RATE_LIMITED),
    ("not allowed to make commitments", REFUSED_NOT_REGISTERED),
    ("not registered", REFUSED_NOT_REGISTERED),
    ("space limit", REFUSED_SPACE_EXHAUSTED),
    ("inability to pay", REFUSED_INSUFFICIENT_FUNDS),
    ("balance too low", REFUSED_INSUFFICIENT_FUNDS),
    ("insufficient", REFUSED_INSUFFICIENT_FUNDS),
)


# --- pure functions over the SDK's value shapes --------------------------------------------------


def sdk_endpoint_lists(network: str) -> list[str] | None:
    """Return the fallback and archive endpoint list to pass for a network; None keeps the SDK's pools.

    A URL (a user's own node, a simulator) is pinned to itself: the SDK's defaults would otherwise let
    a failing local node silently rotate to public servers. "local" has no pools worth keeping either.
    For "finney" and "test" the SDK's public lite and archive pools are what a user wants: a node
    that drops is replaced, and a read the lite node has already pruned is retried on an archive.
    """
    return None if network in ("finney", "test") else []


def is_supported_network(network: str) -> bool:
    """Return whether a network is one the SDK can name or a ws:// / wss:// URL."""
    return network in NAMED_NETWORKS or network.startswith(("ws://", "wss://"))


def raw_field_bytes(field: Any) -> bytes | None:
    """Return the exact bytes of a decoded `Data::RawN` field, or None for any other variant."""
    if not isinstance(field, Mapping) or len(field) != 1:
        return None
    ((variant, payload),) = field.items()
    match = _RAW_VARIANT.fullmatch(variant) if isinstance(variant, str) else None
    if match is None:
        return None
    data = _payload_bytes(payload)
    return data if data is not None and len(data) == int(match.group(1)) else None


def _payload_bytes(payload: Any) -> bytes | None:
    """Return the bytes a decoded byte array carries (0x-hex, bytes, or a list of ints), or None."""
    try:
        if isinstance(payload, str):
            return bytes.fromhex(payload.removeprefix("0x")) if payload.startswith("0x") else None
        if isinstance(payload, bytes | bytearray | list | tuple):
            return bytes(payload)
    except (TypeError, ValueError):
        return None
    return None


def commitment_from_entry(key: Any, value: Any) -> RawCommitment | None:
    """Return one CommitmentOf entry as a RawCommitment, or None when its first field is not raw bytes."""
    hotkey = key[0] if isinstance(key, list | tuple) and len(key) == 1 else key
    if not isinstance(hotkey, str) or not isinstance(value, Mapping):
        return None
    info = value.get("info")
    fields = info.get("fields") if isinstance(info, Mapping) else None
    block = value.get("block")
    if not isinstance(fields, list | tuple) or not fields or not _is_count(block):
        return None
    data = raw_field_bytes(fields[0])
    return None if data is None else RawCommitment(hotkey=hotkey, block=int(block), data=data)


def commitments_from_map(pairs: Iterable[Any]) -> list[RawCommitment]:
    """Return the usable commitments of a CommitmentOf query_map, keeping the storage order."""
    found = []
    for pair in pairs:
        if isinstance(pair, list | tuple) and len(pair) == 2:
            commitment = commitment_from_entry(pair[0], pair[1])
            if commitment is not None:
                found.append(commitment)
    return found


def rao_to_tao(rao: int) -> Decimal:
    """Return an amount in rao (1e-9 TAO) as an exact TAO Decimal."""
    return Decimal(rao).scaleb(-RAO_DECIMALS)


def neuron_from_record(record: Any) -> Neuron:
    """Return a get_neurons_lite record as a Neuron with its summed stake; raise ValueError if malformed."""
    if not isinstance(record, Mapping):
        raise ValueError("neuron record is not a mapping")
    hotkey, uid, stake = record.get("hotkey"), record.get("uid"), record.get("stake")
    if not isinstance(hotkey, str) or not _is_count(uid) or not isinstance(stake, list | tuple):
        raise ValueError("neuron record lacks hotkey, uid or stake")
    return Neuron(hotkey=hotkey, uid=int(uid), stake=rao_to_tao(sum(_stake_amount(entry) for entry in stake)))


def _stake_amount(entry: Any) -> int:
    """Return the rao of one (coldkey, amount) stake pair; raise ValueError if malformed."""
    if not isinstance(entry, list | tuple) or len(entry) != 2 or not _is_count(entry[1]):
        raise ValueError("stake entry is not a (coldkey, amount) pair")
    return int(entry[1])


def neurons_from_records(records: Any) -> list[Neuron]:
    """Return every neuron of a get_neurons_lite answer (None means no neurons)."""
    if records is None:
        return []
    if not isinstance(records, list | tuple):
        raise ValueError("neurons answer is not a list")
    return [neuron_from_record(record) for record in records]


def u16_list(value: Any) -> list[int]:
    """Return a decoded Vec<u16> (None when the storage is unset) as a list of ints."""
    if value is None:
        return []
    if not isinstance(value, list | tuple) or not all(_is_count(item) and item <= 0xFFFF for item in value):
        raise ValueError("expected a list of u16")
    return [int(item) for item in value]


def count_value(value: Any) -> int:
    """Return a decoded unsigned integer; raise ValueError otherwise."""
    if not _is_count(value):
        raise ValueError("expected an unsigned integer")
    return int(value)


def _is_count(value: Any) -> TypeIs[int]:
    """Return whether a decoded value is a non-negative int (bools are not)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def block_hash_text(value: Any) -> str | None:
    """Return a decoded H256 as lowercase 0x-hex, or None when it is missing or all zeros (pruned)."""
    if isinstance(value, bytes | bytearray) and len(value) == 32:
        value = "0x" + bytes(value).hex()
    if not isinstance(value, str):
        return None
    text = value.lower()
    return text if _BLOCK_HASH.fullmatch(text) and text != _ZERO_HASH else None


def commitment_info(data: bytes) -> dict[str, list[dict[str, str]]]:
    """Return the CommitmentInfo argument that commits `data` as one raw field."""
    if not 0 < len(data) <= MAX_COMMITMENT_BYTES:
        raise ValueError(f"a commitment holds 1 to {MAX_COMMITMENT_BYTES} bytes, not {len(data)}")
    # 0x-hex rather than bytes or text: the SDK's encoder reads a "0x..." string as hex, any other
    # string as UTF-8, so hex is the one spelling that cannot be misread.
    return {"fields": [{f"Raw{len(data)}": "0x" + data.hex()}]}


def block_from_extrinsic_id(extrinsic_id: Any) -> int | None:
    """Return the block number of an ExtrinsicResult.extrinsic_id ("<block>-<index>"), or None."""
    match = _EXTRINSIC_ID.fullmatch(extrinsic_id) if isinstance(extrinsic_id, str) else None
    return int(match.group(1)) if match else None


def refusal_reason(name: str | None, code: str | None, message: str) -> str:
    """Return the REFUSED_* reason for a failed commitment from the SDK's error name, code and text."""
    if name in _NOT_REGISTERED_NAMES:
        return REFUSED_NOT_REGISTERED
    if name in _SPACE_NAMES:
        return REFUSED_SPACE_EXHAUSTED
    if name in _FUNDS_NAMES:
        return REFUSED_INSUFFICIENT_FUNDS
    if name and "RateLimit" in name:
        return REFUSED_RATE_LIMITED
    if code in _REASON_BY_CODE:
        return _REASON_BY_CODE[code]
    lowered = message.lower()
    return next((reason for needle, reason in _REASON_BY_TEXT if needle in lowered), REFUSED_OTHER)


def error_code_text(code: Any) -> str | None:
    """Return a bittensor ErrorCode (a str enum) as its plain value, or None."""
    value = getattr(code, "value", code)
    return value if isinstance(value, str) else None


def api_error_for(what: str, error: BaseException) -> ApiError:
    """Return the project error for an SDK or network failure while doing `what`."""
    names = {cls.__name__ for cls in type(error).__mro__}
    message = f"{what}: {error}" if str(error) else f"{what}: {type(error).__name__}"
    if isinstance(error, TimeoutError):
        return ApiTimeoutError(message)
    if names & _CONNECTION_ERRORS or isinstance(error, OSError):
        return ApiConnectionError(message)
    return ApiResponseError(message)


# --- the chain ---------------------------------------------------------------------------------


class BittensorChain:
    """A SubnetChain over the bittensor SDK, signing commitments with an unencrypted hotkey."""

    def __init__(
        self,
        network: str,
        wallet_path: str,
        wallet_name: str,
        hotkey_name: str,
        *,
        hotkey_address: str | None = None,
        read_timeout: float = 30.0,
        connect_timeout: float = 60.0,
        submit_timeout: float = 120.0,
    ) -> None:
        """Remember where the chain and the wallet are; nothing is read or opened until connect()."""
        if not is_supported_network(network):
            raise ValueError(f"network must be one of {NAMED_NETWORKS} or a ws:// or wss:// URL")
        self._network = network
        self._wallet = (wallet_path, wallet_name, hotkey_name)
        self._hotkey_address = hotkey_address
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._submit_timeout = submit_timeout
        self._sdk: Any = None
        self._connection: Any = None
        # The unlocked hotkey keypair; the SDK's Keypair never shows key material in its repr.
        self._signer: Any = None

    def __repr__(self) -> str:
        """Name the network and wallet, never a key."""
        _, name, hotkey = self._wallet
        return f"BittensorChain(network={self._network!r}, wallet={name!r}, hotkey={hotkey!r})"

    @property
    def hotkey(self) -> str:
        """Return the ss58 address of the hotkey that signs our commitments."""
        if self._hotkey_address is None:
            raise RuntimeError("the hotkey address is known once connect() has read the wallet")
        return self._hotkey_address

    async def connect(self) -> None:
        """Load the SDK and the hotkey off the event loop, then open the connection (idempotent)."""
        if self._connection is not None:
            return
        sdk, address, signer = await asyncio.to_thread(self._load_sdk_and_hotkey)
        if self._hotkey_address not in (None, address):
            # The wallet on disk is no longer the hotkey this chain was set up with.
            raise WalletError(WALLET_UNREADABLE)
        self._hotkey_address = address
        pools = sdk_endpoint_lists(self._network)
        client = sdk.Client(self._network, fallback_endpoints=pools, archive_endpoints=pools)
        try:
            await self._call("connect", client.connect(), self._connect_timeout)
        except ApiError:
            await self._close_quietly(client)
            raise
        self._sdk, self._signer, self._connection = sdk, signer, client

    def _load_sdk_and_hotkey(self) -> tuple[Any, str, Any]:
        """Import bittensor and unlock the plaintext hotkey (blocking: file reads and a heavy import)."""
        path, name, hotkey = self._wallet
        address = read_hotkey_address(path, name, hotkey)
        sdk = importlib.import_module("bittensor")
        try:
            keypair = sdk.Wallet(name=name, hotkey=hotkey, path=path).hotkey
        except Exception:  # the SDK's keyfile errors may quote the file; keep none of it
            raise WalletError(WALLET_UNREADABLE) from None
        if keypair.ss58_address != address:
            raise WalletError(WALLET_UNREADABLE)
        return sdk, address, keypair

    async def close(self) -> None:
        """Close the connection and forget the unlocked key (idempotent)."""
        client, self._connection, self._signer = self._connection, None, None
        if client is not None:
            await self._close_quietly(client)

    async def _close_quietly(self, client: Any) -> None:
        """Close an SDK client; a failure to close a connection that is going away is not an error."""
        try:
            await asyncio.wait_for(client.close(), self._read_timeout)
        except Exception:  # closing is best effort
            _LOGGER.debug("Closing the chain connection failed", exc_info=True)

    async def head(self) -> int:
        """Return the number of the newest block."""
        client, _ = self._open()
        return self._parsed("head", count_value, await self._read("read the head block", client.block()))

    async def wait_for_head(self, after: int, within: float) -> int:
        """Return the head as soon as it is past `after`, or the head as it is when `within` seconds pass."""
        head = await self.head()
        if head > after or within <= 0:
            return head
        client, _ = self._open()
        try:
            header = await self._call("wait for a block", client.wait_for_block(after + 1), within)
        except ApiTimeoutError:
            return await self.head()
        return self._parsed("block header", count_value, getattr(header, "number", None))

    async def block_hash(self, block: int) -> str:
        """Return the 0x-prefixed hex hash of a block."""
        client, sdk = self._open()
        value = await self._read("read a block hash", client.query(sdk.storage.System.BlockHash, [block]))
        found = block_hash_text(value)
        if found is None:
            # System.BlockHash keeps the newest 4096 blocks; an older one needs the block itself.
            info = await self._read("read a block", client.block_info(block))
            found = block_hash_text(getattr(info, "hash", None))
        if found is None:
            raise ApiResponseError(f"the chain has no hash for block {block}")
        return found

    async def timestamp(self, block: int) -> datetime:
        """Return when a block was made (Timestamp.Now, UTC)."""
        client, _ = self._open()
        moment = await self._read("read a block time", client.timestamp(block))
        if not isinstance(moment, datetime):
            raise ApiResponseError("the block time is not a datetime")
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

    async def commitments(self, netuid: int, block: int) -> list[RawCommitment]:
        """Return every hotkey's raw commitment at a block, in storage iteration order."""
        client, sdk = self._open()
        item = sdk.storage.Commitments.CommitmentOf
        pairs = await self._read("read commitments", client.query_map(item, [netuid], block=block))
        return self._parsed("commitments", commitments_from_map, pairs)

    async def neurons(self, netuid: int, block: int) -> list[Neuron]:
        """Return the subnet's neurons with their stake at a block."""
        client, sdk = self._open()
        method = sdk.runtime_api.NeuronInfoRuntimeApi.get_neurons_lite
        records = await self._read("read neurons", client.runtime(method, [netuid], block=block))
        return self._parsed("neurons", neurons_from_records, records)

    async def mechanism_split(self, netuid: int) -> list[int]:
        """Return MechanismEmissionSplit at the head (u16 values; empty when not set)."""
        client, sdk = self._open()
        item = sdk.storage.SubtensorModule.MechanismEmissionSplit
        value = await self._read("read the mechanism split", client.query(item, [netuid]))
        return self._parsed("mechanism split", u16_list, value)

    async def tempo(self, netuid: int) -> int:
        """Return the subnet's tempo in blocks."""
        client, sdk = self._open()
        item = sdk.storage.SubtensorModule.Tempo
        value = await self._read("read the tempo", client.query(item, [netuid]))
        return self._parsed("tempo", count_value, value)

    async def set_commitment(self, netuid: int, data: bytes) -> int:
        """Commit `data` for our hotkey and return the block it landed in; raises CommitmentRefusedError."""
        client, sdk = self._open()
        call = sdk.calls.Commitments.set_commitment(netuid, commitment_info(data))
        submission = client.submit_call(
            call, self._signer, signer="hotkey", wait_for_inclusion=True, wait_for_finalization=False
        )
        result = await self._call("submit the commitment", submission, self._submit_timeout)
        if not result.success:
            error = result.error
            message = str(result.message or "")
            reason = refusal_reason(
                getattr(error, "name", None), error_code_text(getattr(error, "code", None)), message
            )
            raise CommitmentRefusedError(reason, message)
        landed = block_from_extrinsic_id(result.extrinsic_id)
        return landed if landed is not None else await self._own_commitment_block(netuid)

    async def _own_commitment_block(self, netuid: int) -> int:
        """Return the block our hotkey's commitment was last made in, read at the head."""
        client, sdk = self._open()
        item = sdk.storage.Commitments.CommitmentOf
        value = await self._read("read our commitment", client.query(item, [netuid, self.hotkey]))
        commitment = commitment_from_entry(self.hotkey, value)
        if commitment is None:
            raise ApiResponseError("the commitment was accepted but is not on chain")
        return commitment.block

    def _open(self) -> tuple[Any, Any]:
        """Return the open SDK client and the SDK, or raise ApiConnectionError when not connected."""
        if self._connection is None:
            raise ApiConnectionError("the chain connection is not open")
        return self._connection, self._sdk

    async def _read(self, what: str, work: Awaitable[Any]) -> Any:
        """Await one SDK read within the read deadline, its failures as our errors."""
        return await self._call(what, work, self._read_timeout)

    @staticmethod
    async def _call(what: str, work: Awaitable[Any], deadline: float) -> Any:
        """Await SDK work within `deadline` seconds; SDK, network and timeout failures become ApiErrors."""
        try:
            async with asyncio.timeout(deadline):
                return await work
        except ApiError:
            raise
        except Exception as error:  # every SDK failure must leave as one of ours
            raise api_error_for(what, error) from error

    @staticmethod
    def _parsed[T](what: str, parse: Callable[[Any], T], value: Any) -> T:
        """Return parse(value), a malformed answer raising ApiResponseError."""
        try:
            return parse(value)
        except (ValueError, TypeError) as error:
            raise ApiResponseError(f"unexpected {what} from the chain: {error}") from error
