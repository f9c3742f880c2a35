"""The layout's rules, read from the imports: HA-free api/ and logic/, kinds apart, entities off the clients."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from custom_components.mining_fleet.kinds import KINDS

PACKAGE = Path(__file__).parent.parent / "custom_components" / "mining_fleet"
PLATFORM_MODULES = {
    "sensor",
    "binary_sensor",
    "switch",
    "number",
    "select",
    "button",
    "entity",
    "descriptions",
}
CLIENT_MODULES = {"api", "api.axeos", "api.vnish", "api.http"}
# The composition roots: the only modules outside a kind that may import kinds (the services
# reach miners through the fleet registry and watched rigs through the watchdog's; the repairs
# platform hands Home Assistant the fix flow of the kind that raised the issue).
ROOTS = {"kinds", "config_flow", "services", "repairs"}
ABSOLUTE_PREFIX = "custom_components.mining_fleet."


def _module_parts(path: Path) -> list[str]:
    """Return a source file's module path inside the integration, e.g. ["bitaxe", "sensor"]."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def imports_of(source: str, module: list[str], is_package: bool) -> set[str]:
    """Return every module a source imports: absolute names, and ours relative to the integration."""
    imported: set[str] = set()
    package = module if is_package else module[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module)
            imported |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - (node.level - 1)] + (node.module or "").split(".")
            base = [part for part in base if part]
            imported.add(".".join(base))
            imported |= {".".join([*base, alias.name]) for alias in node.names}
    # Our own modules by their path inside the integration, however they were imported.
    return {name.removeprefix(ABSOLUTE_PREFIX) for name in imported}


def client_attributes(source: str) -> set[str]:
    """Return the client attributes a module reaches into (coordinator.client, coordinator._client)."""
    return {
        node.attr
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute) and node.attr in {"client", "_client"}
    }


def violations(source: str, module: list[str], is_package: bool) -> list[str]:
    """Return the layering rules a module breaks."""
    imported = imports_of(source, module, is_package)
    found = []
    top = module[0] if module else ""
    if top in {"api", "logic"} and any(name.split(".")[0] == "homeassistant" for name in imported):
        found.append("api/ and logic/ must not import homeassistant")
    kinds = {name for name in imported if name.split(".")[0] in KINDS.keys() - {top}}
    if top in KINDS and kinds:
        found.append(f"kind {top} imports another kind: {sorted(kinds)}")
    elif top not in KINDS and kinds and ".".join(module) not in ROOTS:
        found.append(f"{'.'.join(module) or 'the package'} imports a kind: {sorted(kinds)}")
    if module and module[-1] in PLATFORM_MODULES and imported & CLIENT_MODULES:
        found.append(f"entity module imports a client: {sorted(imported & CLIENT_MODULES)}")
    if module and module[-1] != "coordinator" and client_attributes(source):
        found.append("only a coordinator may use its client (the one write path)")
    return found


def _sources() -> list[Path]:
    """Return every Python file of the integration."""
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", _sources(), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_module_follows_the_layering(path: Path) -> None:
    """No module breaks a layering rule."""
    assert violations(path.read_text(), _module_parts(path), path.name == "__init__.py") == []


def test_the_roots_may_compose_kinds() -> None:
    """kinds.py and config_flow.py are where kinds come together."""
    assert violations("from . import bitaxe, vnish", ["kinds"], is_package=False) == []


def test_every_kind_has_its_package() -> None:
    """Each registered kind lives in the package named after it."""
    for key in KINDS:
        assert (PACKAGE / key / "__init__.py").is_file()


@pytest.mark.parametrize(
    ("source", "module", "rule"),
    [
        ("import homeassistant.core", ["api", "axeos"], "must not import homeassistant"),
        ("from homeassistant.const import Platform", ["logic", "energy"], "must not import homeassistant"),
        ("from ..vnish.coordinator import VNishCoordinator", ["bitaxe", "sensor"], "imports another kind"),
        ("from .. import fleet", ["vnish", "sensor"], "imports another kind"),
        ("from ..api.axeos import AxeOSClient", ["bitaxe", "select"], "imports a client"),
        ("from .api.vnish import VNishClient", ["entity"], "imports a client"),
        (
            "from custom_components.mining_fleet.api.axeos import AxeOSClient",
            ["vnish", "button"],
            "imports a client",
        ),
        ("from .. import api", ["miner", "descriptions"], "imports a client"),
        ("from ..bitaxe.coordinator import BitaxeCoordinator", ["miner", "registry"], "imports a kind"),
        ("from custom_components.mining_fleet import vnish", ["diagnostics"], "imports a kind"),
        ("press_fn = lambda coordinator: coordinator._client.restart()", ["bitaxe", "button"], "its client"),
    ],
)
def test_checker_catches_violations(source: str, module: list[str], rule: str) -> None:
    """The checker itself flags each kind of violation (so the test above can fail)."""
    assert any(rule in found for found in violations(source, module, is_package=False))


def test_checker_allows_the_intended_imports() -> None:
    """Models, the miner base and the entity layer are fine for a kind's platform module."""
    source = "from ..api.axeos_models import SystemInfo\nfrom ..miner.descriptions import x\nfrom ..entity import y"
    assert violations(source, ["bitaxe", "sensor"], is_package=False) == []
