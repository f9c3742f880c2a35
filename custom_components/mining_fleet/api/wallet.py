"""Read a Bittensor wallet's hotkey address from disk without touching its secrets."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from .errors import ApiError

# The reasons a wallet cannot be used; each has a translated message saying what to do.
WALLET_NOT_FOUND = "wallet_not_found"
HOTKEY_NOT_FOUND = "hotkey_not_found"
WALLET_UNREADABLE = "wallet_unreadable"
WALLET_ENCRYPTED = "wallet_encrypted"

# How the bittensor SDK (11.x, bittensor_core) marks an encrypted keyfile: NaCl secretbox (current),
# Ansible vault and Fernet (legacy). Unlocking one needs a password typed at a prompt or kept in an
# environment variable, so an unattended integration cannot sign with it.
_ENCRYPTED_PREFIXES = (b"$NACL", b"$ANSIBLE_VAULT", b"gAAAAA")
# A hotkey keyfile is a small JSON object; anything much larger is not one.
_MAX_KEYFILE_BYTES = 64 * 1024

_BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_INDEX = {char: index for index, char in enumerate(_BASE58_ALPHABET)}
_SS58_CHECKSUM_PREFIX = b"SS58PRE"
_ACCOUNT_ID_BYTES = 32
_CHECKSUM_BYTES = 2
# An ss58 account address is 32 key bytes, a 1- or 2-byte network prefix and a 2-byte checksum.
_SS58_MIN_LENGTH = 46
_SS58_MAX_LENGTH = 50


class WalletError(ApiError):
    """The wallet cannot give us a usable hotkey; `reason` is a translation key saying why."""

    def __init__(self, reason: str) -> None:
        """Keep only the reason: a keyfile's contents never go into an exception."""
        super().__init__(reason)
        self.reason = reason


def read_hotkey_address(path: str, name: str, hotkey: str) -> str:
    """Return the ss58 address of `<path>/<name>/hotkeys/<hotkey>` (blocking; run it in an executor)."""
    if not _is_plain_name(name):
        raise WalletError(WALLET_NOT_FOUND)
    if not _is_plain_name(hotkey):
        raise WalletError(HOTKEY_NOT_FOUND)
    wallet_dir = Path(path).expanduser() / name
    if not wallet_dir.is_dir():
        raise WalletError(WALLET_NOT_FOUND)
    keyfile = wallet_dir / "hotkeys" / hotkey
    if not keyfile.is_file():
        raise WalletError(HOTKEY_NOT_FOUND)
    return address_from_keyfile(_read_bytes(keyfile))


def _is_plain_name(name: str) -> bool:
    """Return whether a wallet or hotkey name is one path component (no way out of the wallet folder)."""
    return (
        bool(name) and name not in {".", ".."} and "/" not in name and "\\" not in name and "\x00" not in name
    )


def _read_bytes(keyfile: Path) -> bytes:
    """Return a keyfile's bytes, or raise WalletError when it cannot be read or is far too large."""
    try:
        with keyfile.open("rb") as handle:
            data = handle.read(_MAX_KEYFILE_BYTES + 1)
    except OSError:
        raise WalletError(WALLET_UNREADABLE) from None
    if len(data) > _MAX_KEYFILE_BYTES:
        raise WalletError(WALLET_UNREADABLE)
    return data


def address_from_keyfile(data: bytes) -> str:
    """Return the ss58Address of a plaintext hotkey keyfile's bytes; raise WalletError otherwise."""
    if is_encrypted_keyfile(data):
        raise WalletError(WALLET_ENCRYPTED)
    try:
        document: Any = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        # `from None`: the JSON error's message quotes the file, and the file holds the secret seed.
        raise WalletError(WALLET_UNREADABLE) from None
    address = document.get("ss58Address") if isinstance(document, dict) else None
    if not isinstance(address, str) or not is_ss58_address(address):
        raise WalletError(WALLET_UNREADABLE)
    return address


def is_encrypted_keyfile(data: bytes) -> bool:
    """Return whether keyfile bytes are encrypted in one of the formats the SDK writes or reads."""
    return data.lstrip().startswith(_ENCRYPTED_PREFIXES)


def is_ss58_address(text: str) -> bool:
    """Return whether text is a well-formed ss58 account address (alphabet, length and checksum)."""
    if not _SS58_MIN_LENGTH <= len(text) <= _SS58_MAX_LENGTH:
        return False
    raw = _base58_decode(text)
    if raw is None:
        return False
    prefix_length = 2 if raw and raw[0] & 0b0100_0000 else 1
    if len(raw) != prefix_length + _ACCOUNT_ID_BYTES + _CHECKSUM_BYTES:
        return False
    body, checksum = raw[:-_CHECKSUM_BYTES], raw[-_CHECKSUM_BYTES:]
    digest = hashlib.blake2b(_SS58_CHECKSUM_PREFIX + body, digest_size=64).digest()
    return digest[:_CHECKSUM_BYTES] == checksum


def _base58_decode(text: str) -> bytes | None:
    """Return the bytes a base58 (Bitcoin alphabet) string encodes, or None if it is not base58."""
    number = 0
    for char in text:
        digit = _BASE58_INDEX.get(char)
        if digit is None:
            return None
        number = number * 58 + digit
    leading_zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\x00" * leading_zeros + body
