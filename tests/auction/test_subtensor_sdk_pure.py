"""The bittensor-SDK adapter's pure parts, on the value shapes the SDK 11.3.0 decoder really returns.

The shapes come from bittensor-core's shape corpus (runtime 438) and the SDK's own readers:
CommitmentOf is {"deposit", "block", "info": {"fields": [Data, ...]}}, a Data::RawN is
{"RawN": "0x<hex>"} ({"Raw0": []} when empty), a unit variant a bare string; neurons_lite records
carry "hotkey", "uid" and "stake" as (coldkey, rao) pairs. None of this needs bittensor installed.
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

import pytest

from custom_components.mining_fleet.api.errors import (
    ApiConnectionError,
    ApiResponseError,
    ApiTimeoutError,
)
from custom_components.mining_fleet.api.subtensor import (
    REFUSED_INSUFFICIENT_FUNDS,
    REFUSED_NOT_REGISTERED,
    REFUSED_OTHER,
    REFUSED_RATE_LIMITED,
    REFUSED_SPACE_EXHAUSTED,
    Neuron,
    RawCommitment,
)
from custom_components.mining_fleet.api.subtensor_sdk import (
    BittensorChain,
    api_error_for,
    block_from_extrinsic_id,
    block_hash_text,
    commitment_from_entry,
    commitment_info,
    commitments_from_map,
    count_value,
    error_code_text,
    is_supported_network,
    neurons_from_records,
    rao_to_tao,
    raw_field_bytes,
    refusal_reason,
    sdk_endpoint_lists,
    u16_list,
)

ALICE = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
BOB = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"
CHARLIE = "5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y"
# A validator's price commitment: text, then 0xFF and a 32-byte ban bitmap that is not UTF-8.
PRICES = b"1;p;ALPHA_TAO=0.25;HASHP_USDC=50;TAO_USDC=45;cap=0.4" + b"\xff" + bytes([0x80] + [0] * 31)
BID = b"2;b;BTC,1=0.25:4,0.45:2"


def raw(data: bytes) -> dict[str, object]:
    """Return a Data::RawN field as the SDK decodes it (an empty one as an empty list)."""
    return {f"Raw{len(data)}": "0x" + data.hex() if data else []}


def registration(block: int, *fields: object) -> dict[str, object]:
    """Return a CommitmentOf value as the SDK decodes it."""
    return {"deposit": 0, "block": block, "info": {"fields": list(fields)}}


def test_raw_field_bytes_are_exact_even_when_not_utf8() -> None:
    """The 0x-hex of a RawN field gives its bytes, the binary ban bitmap included."""
    assert raw_field_bytes(raw(PRICES)) == PRICES
    assert raw_field_bytes(raw(BID)) == BID
    assert raw_field_bytes({"Raw0": []}) == b""
    assert raw_field_bytes({"Raw3": b"abc"}) == b"abc"  # bytes and int lists are accepted too
    assert raw_field_bytes({"Raw3": [97, 98, 99]}) == b"abc"


@pytest.mark.parametrize(
    "field",
    [
        "None",
        "ResetBondsFlag",
        {"Sha256": "0x" + "ab" * 32},
        {"TimelockEncrypted": {"encrypted": "0x00", "reveal_round": 1}},
        {"Raw2": "0x616263"},  # length disagrees with the variant
        {"Raw3": "abc"},  # text, not hex: never guessed at
        {"Raw3": "0xzzzzzz"},
        {"Raw3": [1, 2, 300]},
        {"Raw3": 5},
        {"Raw3": "0x616263", "Raw1": "0x61"},
        {"Raw1000": "0x61"},
        {3: "0x61"},
    ],
)
def test_other_fields_have_no_raw_bytes(field: object) -> None:
    """Unit, hash and timelock variants and malformed raw fields give None."""
    assert raw_field_bytes(field) is None


def test_commitments_keep_storage_order_and_the_first_raw_field() -> None:
    """Each usable entry becomes a RawCommitment in query_map order; the rest are skipped."""
    pairs = [
        (BOB, registration(7_500_010, raw(BID), raw(b"second field"))),
        (ALICE, registration(7_499_000, raw(PRICES))),
        ((CHARLIE,), registration(7_500_020, raw(b"x"))),  # a key left as a 1-tuple
        ("5Hash", registration(7_500_030, {"Sha256": "0x" + "00" * 32})),
        ("5Empty", registration(7_500_040)),
        ("5NoBlock", {"deposit": 0, "info": {"fields": [raw(BID)]}}),
        ("5Junk", "not a registration"),
        ("lonely",),
    ]
    assert commitments_from_map(pairs) == [
        RawCommitment(hotkey=BOB, block=7_500_010, data=BID),
        RawCommitment(hotkey=ALICE, block=7_499_000, data=PRICES),
        RawCommitment(hotkey=CHARLIE, block=7_500_020, data=b"x"),
    ]


def test_own_commitment_entry() -> None:
    """A single CommitmentOf value reads the same way; a missing one is None."""
    assert commitment_from_entry(ALICE, registration(12, raw(BID))) == RawCommitment(ALICE, 12, BID)
    assert commitment_from_entry(ALICE, None) is None
    assert commitment_from_entry(ALICE, registration(-1, raw(BID))) is None


def test_neurons_sum_their_stake_in_tao() -> None:
    """A get_neurons_lite record gives hotkey, uid and the summed (coldkey, rao) stake in TAO."""
    records = [
        {
            "hotkey": ALICE,
            "coldkey": BOB,
            "uid": 0,
            "active": True,
            "stake": [[BOB, 1_500_000_000], (CHARLIE, 250_000_000)],
        },
        {"hotkey": BOB, "coldkey": BOB, "uid": 7, "active": False, "stake": []},
    ]
    assert neurons_from_records(records) == [
        Neuron(hotkey=ALICE, uid=0, stake=Decimal("1.75")),
        Neuron(hotkey=BOB, uid=7, stake=Decimal(0)),
    ]
    assert neurons_from_records(None) == []


@pytest.mark.parametrize(
    "records",
    [
        {"hotkey": ALICE},
        ["record"],
        [{"hotkey": ALICE, "uid": -1, "stake": []}],
        [{"hotkey": ALICE, "uid": 1, "stake": [[BOB]]}],
        [{"hotkey": ALICE, "uid": 1, "stake": [[BOB, "12"]]}],
        [{"uid": 1, "stake": []}],
    ],
)
def test_malformed_neurons_raise(records: object) -> None:
    """A record without a usable hotkey, uid or stake pair is an error, not a silent zero."""
    with pytest.raises(ValueError, match="neuron|stake|list"):
        neurons_from_records(records)


def test_rao_to_tao_is_exact() -> None:
    """1 rao is 1e-9 TAO, and the whole supply in rao converts without rounding."""
    assert rao_to_tao(1) == Decimal("0.000000001")
    assert rao_to_tao(21_000_000 * 10**9 + 1) == Decimal("21000000.000000001")


def test_u16_lists_and_counts() -> None:
    """MechanismEmissionSplit is a list of u16 (unset: empty); tempo and head are unsigned ints."""
    assert u16_list(None) == []
    assert u16_list([0, 65535]) == [0, 65535]
    for bad in ([65536], [True], "0x00", [-1]):
        with pytest.raises(ValueError, match="u16"):
            u16_list(bad)
    assert count_value(360) == 360
    for bad_count in (None, -1, True, "360"):
        with pytest.raises(ValueError, match="unsigned"):
            count_value(bad_count)


def test_block_hash_text() -> None:
    """A decoded H256 is lowercase 0x-hex; the all-zero hash of a pruned entry is no hash."""
    assert block_hash_text("0x" + "AB" * 32) == "0x" + "ab" * 32
    assert block_hash_text(bytes(range(32))) == "0x" + bytes(range(32)).hex()
    for bad in ("0x" + "00" * 32, "0x1234", "ab" * 32, None, 5):
        assert block_hash_text(bad) is None


def test_commitment_info_round_trips() -> None:
    """Our bytes go out as one RawN field in 0x-hex and read back identically."""
    info = commitment_info(BID)
    assert info == {"fields": [{f"Raw{len(BID)}": "0x" + BID.hex()}]}
    assert raw_field_bytes(info["fields"][0]) == BID
    assert commitment_info(b"x" * 128)["fields"][0].keys() == {"Raw128"}
    for size in (0, 129):
        with pytest.raises(ValueError, match="1 to 128 bytes"):
            commitment_info(b"x" * size)


def test_block_from_extrinsic_id() -> None:
    """ExtrinsicResult.extrinsic_id is "<block>-<index>" (index zero-padded)."""
    assert block_from_extrinsic_id("7500104-0003") == 7_500_104
    assert [block_from_extrinsic_id(bad) for bad in (None, "", "7500104", "a-1", 7)] == [None] * 5


class FakeErrorCode(str, Enum):
    """The shape of bittensor.ErrorCode: a str enum."""

    RATE_LIMITED = "rate_limited"


@pytest.mark.parametrize(
    ("name", "code", "message", "reason"),
    [
        (
            "AccountNotAllowedCommit",
            "not_authorized",
            "Account is not allowed to make commitments",
            REFUSED_NOT_REGISTERED,
        ),
        ("HotKeyNotRegisteredInSubNet", "not_registered", "", REFUSED_NOT_REGISTERED),
        (
            "SpaceLimitExceeded",
            "limit_exceeded",
            "Space Limit Exceeded for the current interval",
            REFUSED_SPACE_EXHAUSTED,
        ),
        ("TooManyFieldsInCommitmentInfo", "limit_exceeded", "", REFUSED_SPACE_EXHAUSTED),
        ("RateLimitExceeded", "rate_limited", "A per-key rate limit blocked this", REFUSED_RATE_LIMITED),
        ("CommitmentSetRateLimitExceeded", None, "", REFUSED_RATE_LIMITED),
        ("Payment", "insufficient_balance", "cannot cover the transaction fee", REFUSED_INSUFFICIENT_FUNDS),
        ("InsufficientBalance", None, "", REFUSED_INSUFFICIENT_FUNDS),
        (None, "insufficient_balance", "", REFUSED_INSUFFICIENT_FUNDS),
        (None, "rate_limited", "", REFUSED_RATE_LIMITED),
        (None, None, "1010: Invalid Transaction: Inability to pay some fees", REFUSED_INSUFFICIENT_FUNDS),
        (None, None, "Priority is too low ... rate limit", REFUSED_RATE_LIMITED),
        (None, None, "Space limit exceeded", REFUSED_SPACE_EXHAUSTED),
        ("BadOrigin", "not_authorized", "wrong origin", REFUSED_OTHER),
        (None, None, "", REFUSED_OTHER),
    ],
)
def test_refusal_reasons(name: str | None, code: str | None, message: str, reason: str) -> None:
    """The SDK's error name decides first, then its semantic code, then the chain's wording."""
    assert refusal_reason(name, code, message) == reason


def test_error_code_text() -> None:
    """A bittensor ErrorCode member reads as its value; anything else as None."""
    assert error_code_text(FakeErrorCode.RATE_LIMITED) == "rate_limited"
    assert error_code_text("not_registered") == "not_registered"
    assert error_code_text(None) is None


class RpcConnectionError(Exception):
    """Stands in for bittensor.RpcConnectionError (matched by class name)."""


class RpcPolicyError(RpcConnectionError):
    """A subclass is a connection error too."""


class ChainError(Exception):
    """Stands in for bittensor.ChainError."""


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (TimeoutError(), ApiTimeoutError),
        (RpcConnectionError("could not connect to any endpoint"), ApiConnectionError),
        (RpcPolicyError("429"), ApiConnectionError),
        (ConnectionRefusedError(111, "refused"), ApiConnectionError),
        (ChainError("state discarded"), ApiResponseError),
        (KeyError("fields"), ApiResponseError),
    ],
)
def test_sdk_errors_become_ours(error: Exception, expected: type[Exception]) -> None:
    """Timeouts, unreachable nodes and everything else map onto the project's error tree."""
    mapped = api_error_for("read commitments", error)
    assert type(mapped) is expected and str(mapped).startswith("read commitments: ")


def test_endpoint_pools_and_networks() -> None:
    """A URL or "local" is pinned to itself (no public pools); finney and test keep the SDK's."""
    assert sdk_endpoint_lists("ws://127.0.0.1:9944") == [] and sdk_endpoint_lists("local") == []
    assert sdk_endpoint_lists("wss://node.example:443") == []
    assert sdk_endpoint_lists("finney") is None and sdk_endpoint_lists("test") is None
    assert all(map(is_supported_network, ("finney", "test", "local", "ws://127.0.0.1:9", "wss://x")))
    assert not any(map(is_supported_network, ("http://127.0.0.1", "archive", "")))


async def test_chain_without_the_sdk_before_connect() -> None:
    """The class builds and refuses reads without bittensor installed; its repr names no secret."""
    with pytest.raises(ValueError, match="network"):
        BittensorChain("http://127.0.0.1:9944", "/wallets", "cold", "hot")
    chain = BittensorChain("ws://127.0.0.1:9", "/wallets", "cold", "hot")
    assert repr(chain) == "BittensorChain(network='ws://127.0.0.1:9', wallet='cold', hotkey='hot')"
    with pytest.raises(RuntimeError, match="connect"):
        _ = chain.hotkey
    with pytest.raises(ApiConnectionError, match="not open"):
        await chain.head()
    await chain.close()
    assert BittensorChain("local", "/w", "cold", "hot", hotkey_address=ALICE).hotkey == ALICE
