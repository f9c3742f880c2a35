"""Proxy mode, the reference miner's way: tell a mining proxy how much hashrate the subnet's pool gets.

The proxy's pools.toml has one [[pools.main]] entry per upstream pool; the one named
central-proxy is the subnet's. Its target_hashrate is set to the won hashrate and its weight
removed (a weight would share the rest by ratio instead). Only those lines change: comments,
order and every other table stay as the user wrote them.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
import re
import tomllib
from typing import Any

SUBNET_POOL_NAME = "central-proxy"
_HEADER = re.compile(r"\s*\[(?P<array>\[)?(?P<name>[^\[\]#]*)\]\]?\s*(?:#.*)?")
_NAME = re.compile(r"\s*name\s*=\s*(?P<quote>[\"'])(?P<value>[^\"']*)(?P=quote)\s*(?:#.*)?")
_TARGET = re.compile(r"(?P<indent>\s*)target_hashrate\s*=")
_WEIGHT = re.compile(r"\s*weight\s*=")


class ProxyConfigError(ValueError):
    """The proxy's pools file cannot be edited: not TOML, or no entry for the subnet's pool."""


def target_hashrate_text(won_ph: Decimal | str | float) -> str:
    """Return won PH as the proxy's target in TH/s, minimal decimal text: 0.1 PH is "100TH/s"."""
    try:
        value = Decimal(str(won_ph)) if isinstance(won_ph, float) else Decimal(won_ph)
    except InvalidOperation as err:
        raise ValueError(f"not a number of PH: {won_ph!r}") from err
    if not value.is_finite() or value < 0:
        raise ValueError(f"won hashrate must be a finite number of PH, at least 0: {won_ph}")
    text = format((value * 1000).normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text if value else '0'}TH/s"


def _is_subnet_pool(entry: Any) -> bool:
    """Return True for the pools.main entry named central-proxy (as the reference: any case, spaces trimmed)."""
    return isinstance(entry, dict) and str(entry.get("name", "")).strip().lower() == SUBNET_POOL_NAME


def _main_pools(text: str) -> list[Any]:
    """Return the [[pools.main]] entries of a pools file, refusing one that is not TOML."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ProxyConfigError(f"the pools file is not valid TOML: {err}") from err
    pools = document.get("pools")
    main = pools.get("main") if isinstance(pools, dict) else None
    return main if isinstance(main, list) else []


def _without_target(entries: list[Any]) -> list[Any]:
    """Return the entries with the keys this module writes taken out of the subnet's (to compare the rest)."""
    return [
        {key: value for key, value in entry.items() if key not in ("target_hashrate", "weight")}
        if _is_subnet_pool(entry)
        else entry
        for entry in entries
    ]


def _table_ranges(lines: list[str]) -> list[tuple[int, int]]:
    """Return the line ranges (header excluded) of every [[pools.main]] table."""
    headers = [(index, _HEADER.fullmatch(line.rstrip("\r\n"))) for index, line in enumerate(lines)]
    starts = [index for index, match in headers if match is not None] + [len(lines)]
    return [
        (index + 1, next(start for start in starts if start > index))
        for index, match in headers
        if match is not None and match["array"] and re.sub(r"\s", "", match["name"]) == "pools.main"
    ]


def _names_subnet_pool(line: str) -> bool:
    """Return True for a line naming the subnet's pool: name = "central-proxy"."""
    match = _NAME.fullmatch(line.rstrip("\r\n"))
    return match is not None and match["value"].strip().lower() == SUBNET_POOL_NAME


def _rewrite_table(body: list[str], target: str, ending: str) -> list[str]:
    """Return one table's lines with the target set and the weight removed, if it is the subnet's pool."""
    named = next((index for index, line in enumerate(body) if _names_subnet_pool(line)), None)
    if named is None:
        return body
    name_line = body[named]
    indent = name_line[: len(name_line) - len(name_line.lstrip())]
    result = []
    for index, line in enumerate(body):
        if _WEIGHT.match(line) or _TARGET.match(line):
            continue
        if index != named:
            result.append(line)
            continue
        result.append(line if line.endswith("\n") else line + ending)
        result.append(f'{indent}target_hashrate = "{target}"{ending}')
    return result


def set_target_hashrate(text: str, won_ph: Decimal | str | float) -> str:
    """Return pools.toml text with the subnet's pool set to the won hashrate and its weight removed.

    Raise ProxyConfigError when the text is not TOML, has no [[pools.main]] entry named
    central-proxy, or is written in a form this line-wise edit cannot change safely.
    """
    target = target_hashrate_text(won_ph)
    before = _main_pools(text)
    if not any(_is_subnet_pool(entry) for entry in before):
        raise ProxyConfigError(f'the pools file has no [[pools.main]] entry named "{SUBNET_POOL_NAME}"')
    lines = text.splitlines(keepends=True)
    ending = "\r\n" if "\r\n" in text else "\n"
    result: list[str] = []
    previous = 0
    for start, end in _table_ranges(lines):
        result += lines[previous:start] + _rewrite_table(lines[start:end], target, ending)
        previous = end
    result += lines[previous:]
    edited = "".join(result)
    after = _main_pools(edited)
    changed = [entry for entry in after if _is_subnet_pool(entry)]
    if _without_target(after) != _without_target(before) or any(
        entry.get("target_hashrate") != target or "weight" in entry for entry in changed
    ):
        raise ProxyConfigError("the subnet's pool entry is written in a form that cannot be edited safely")
    return edited
