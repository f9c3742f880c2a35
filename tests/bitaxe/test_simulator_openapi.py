"""The newest-firmware simulator answers as ESP-Miner's own OpenAPI description says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from simulators.axeos import AxeOSSimulator

# tests/bitaxe/ → the repository → the folder beside it that holds shared/.
OPENAPI = Path(__file__).parents[3] / "shared" / "reference" / "axeos" / "openapi.yaml"


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    """Load the component schemas, skipping when the shared reference folder is absent."""
    if not OPENAPI.exists():
        pytest.skip(f"{OPENAPI} is not present (it ships beside the repository, not in it)")
    document = yaml.safe_load(OPENAPI.read_text())
    return document["components"]["schemas"]  # type: ignore[no-any-return]


def _validate(schemas: dict[str, Any], name: str, instance: Any) -> None:
    """Validate one reply against a named schema, resolving its $refs."""
    jsonschema.validate(instance, {**schemas[name], "components": {"schemas": schemas}})


@pytest.mark.parametrize("board", ["gamma", "supra", "ultra"])
def test_info_and_asic_match_openapi(schemas: dict[str, Any], board: str) -> None:
    """/api/system/info and /api/system/asic carry every required key with the right types."""
    miner = AxeOSSimulator("2.15", board, seed=1)
    _validate(schemas, "SystemInfo", miner.info_document())
    _validate(schemas, "SystemASIC", miner.asic_document())


def test_info_after_pause_matches_openapi(schemas: dict[str, Any]) -> None:
    """The paused state is still a valid reply."""
    miner = AxeOSSimulator("2.15", seed=2)
    miner.state.paused = True
    _validate(schemas, "SystemInfo", miner.info_document())
