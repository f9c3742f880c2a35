"""Reading a hotkey's ss58 address from a bittensor wallet on disk, never its secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from custom_components.mining_fleet.api.errors import ApiError
from custom_components.mining_fleet.api.wallet import (
    HOTKEY_NOT_FOUND,
    WALLET_ENCRYPTED,
    WALLET_NOT_FOUND,
    WALLET_UNREADABLE,
    WalletError,
    is_encrypted_keyfile,
    is_ss58_address,
    read_hotkey_address,
)

# Well-known development keys (Alice, and the key whose public bytes are 0..31), generic prefix 42.
ALICE = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
COUNTING = "5C4iA2und8WV6mbvTBYupm2eZwtxk3wCYUM2SFHXSyQuapGp"
SECRET_PHRASE = "abandon ability able about above absent absorb abstract absurd abuse access accident"


def keyfile_json(address: str = ALICE) -> str:
    """Return a plaintext hotkey keyfile exactly as bittensor 11.3.0 writes it (fake secrets)."""
    return json.dumps(
        {
            "accountId": "0x" + "d4" * 32,
            "cryptoType": 1,
            "privateKey": "0x" + "ab" * 64,
            "publicKey": "0x" + "d4" * 32,
            "secretPhrase": SECRET_PHRASE,
            "secretSeed": "0x" + "cd" * 32,
            "ss58Address": address,
        }
    )


def make_wallet(root: Path, content: str | bytes, name: str = "cold", hotkey: str = "hot") -> Path:
    """Write `<root>/<name>/hotkeys/<hotkey>` (and its pub file, as the SDK does) and return root."""
    hotkeys = root / name / "hotkeys"
    hotkeys.mkdir(parents=True)
    data = content.encode() if isinstance(content, str) else content
    (hotkeys / hotkey).write_bytes(data)
    (hotkeys / f"{hotkey}pub.txt").write_text(json.dumps({"ss58Address": ALICE, "cryptoType": 1}))
    return root


def reason_of(path: Path | str, name: str = "cold", hotkey: str = "hot") -> str:
    """Return the WalletError reason read_hotkey_address raises."""
    with pytest.raises(WalletError) as caught:
        read_hotkey_address(str(path), name, hotkey)
    return caught.value.reason


def test_reads_the_address_of_a_plaintext_hotkey(tmp_path: Path) -> None:
    """The SDK's plaintext keyfile gives its ss58Address."""
    make_wallet(tmp_path, keyfile_json())
    assert read_hotkey_address(str(tmp_path), "cold", "hot") == ALICE


def test_expands_the_home_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A path starting with ~ is the user's home, as the SDK's default ~/.bittensor/wallets."""
    monkeypatch.setenv("HOME", str(tmp_path))
    make_wallet(tmp_path / ".bittensor" / "wallets", keyfile_json(COUNTING))
    assert read_hotkey_address("~/.bittensor/wallets", "cold", "hot") == COUNTING


def test_missing_wallet_and_missing_hotkey(tmp_path: Path) -> None:
    """No wallet folder is wallet_not_found; a wallet without that hotkey is hotkey_not_found."""
    assert reason_of(tmp_path / "nowhere") == WALLET_NOT_FOUND
    make_wallet(tmp_path, keyfile_json())
    assert reason_of(tmp_path, hotkey="other") == HOTKEY_NOT_FOUND
    assert reason_of(tmp_path, name="other") == WALLET_NOT_FOUND


def test_names_cannot_leave_the_wallet_folder(tmp_path: Path) -> None:
    """A wallet or hotkey name is one path component: no "..", no slash, not empty."""
    make_wallet(tmp_path / "inner", keyfile_json())
    assert reason_of(tmp_path, name="inner/cold") == WALLET_NOT_FOUND
    assert reason_of(tmp_path / "inner" / "cold", name="..", hotkey="cold") == WALLET_NOT_FOUND
    assert reason_of(tmp_path / "inner", hotkey="../hotkeys/hot") == HOTKEY_NOT_FOUND
    assert reason_of(tmp_path / "inner", hotkey="") == HOTKEY_NOT_FOUND


@pytest.mark.parametrize(
    "content",
    [
        "{not json " + SECRET_PHRASE,
        json.dumps([SECRET_PHRASE]),
        json.dumps({"secretPhrase": SECRET_PHRASE}),
        keyfile_json(ALICE[:-1] + "Z"),
        keyfile_json("not-an-address"),
        b"\xff\xfe" + SECRET_PHRASE.encode(),
        "x" * (70 * 1024),
    ],
    ids=["garbage", "not-an-object", "no-address", "bad-checksum", "bad-alphabet", "binary", "huge"],
)
def test_unusable_keyfile_is_unreadable_without_its_contents(tmp_path: Path, content: str | bytes) -> None:
    """A keyfile we cannot use is wallet_unreadable, and nothing of the file reaches the exception."""
    make_wallet(tmp_path, content)
    with pytest.raises(WalletError) as caught:
        read_hotkey_address(str(tmp_path), "cold", "hot")
    error = caught.value
    assert error.reason == WALLET_UNREADABLE and isinstance(error, ApiError)
    assert "abandon" not in str(error) and "abandon" not in repr(error)
    assert error.__cause__ is None and (error.__suppress_context__ or error.__context__ is None)


@pytest.mark.parametrize(
    "header", [b"$NACL", b"$ANSIBLE_VAULT;1.1;AES256\n", b"gAAAAABk"], ids=["nacl", "ansible", "fernet"]
)
def test_encrypted_hotkey_cannot_sign_unattended(tmp_path: Path, header: bytes) -> None:
    """An encrypted keyfile (every format the SDK reads) is wallet_encrypted: it needs a typed password."""
    make_wallet(tmp_path, header + bytes(range(256)))
    assert reason_of(tmp_path) == WALLET_ENCRYPTED
    assert is_encrypted_keyfile(header + b"rest") and not is_encrypted_keyfile(keyfile_json().encode())


def test_ss58_addresses_are_checked_in_full() -> None:
    """Alphabet, length and the blake2b checksum are all verified."""
    assert is_ss58_address(ALICE) and is_ss58_address(COUNTING)
    assert not is_ss58_address(ALICE.replace("G", "H", 1))  # checksum no longer matches
    assert not is_ss58_address("0" + ALICE[1:])  # "0" is not base58
    assert not is_ss58_address(ALICE[:40])
    assert not is_ss58_address("1" * 48)
