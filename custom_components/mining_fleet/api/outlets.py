"""Smart outlets that power rigs: one outlet of a TP-Link Kasa plug or power strip, through python-kasa."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kasa import AuthenticationError, Credentials, Device, DeviceConfig, Discover, KasaException, Module

from .errors import ApiConnectionError, ApiError, ApiInvalidCredentialsError, ApiResponseError
from .parse import as_number

DEFAULT_TIMEOUT = 5
# python-kasa raises its own errors for the network, and plain Python ones for replies it cannot
# read (a "feature" that is a list, a missing relay_state …): both are our device errors.
_KASA_ERRORS = (
    KasaException,
    TimeoutError,
    OSError,
    KeyError,
    IndexError,
    TypeError,
    ValueError,
    AttributeError,
)


@dataclass(frozen=True, slots=True)
class OutletState:
    """Whether the outlet is on, and what it draws where it meters (W)."""

    on: bool
    power_w: float | None


@dataclass(frozen=True, slots=True)
class OutletChoice:
    """One outlet found on the network: a plug, or one outlet of a strip."""

    host: str
    child: str | None
    label: str
    # python-kasa's DeviceConfig as a dict, with the credentials hash instead of the password.
    config: dict[str, Any]


def _error(host: str, err: Exception) -> ApiError:
    """Map a python-kasa failure into the exception tree."""
    if isinstance(err, AuthenticationError):
        return ApiInvalidCredentialsError(f"{host} refused the TP-Link credentials: {err}")
    if isinstance(err, KasaException | TimeoutError | OSError):
        return ApiConnectionError(f"cannot reach the outlet at {host}: {err}")
    return ApiResponseError(f"the outlet at {host} sent a reply python-kasa cannot read: {err!r}")


def _choices(device: Device) -> list[OutletChoice]:
    """Return a device's outlets: the plug itself, or every outlet of a strip."""
    config = device.config.to_dict_control_credentials(credentials_hash=device.credentials_hash or "")
    name = f"{device.alias or device.model} ({device.model}, {device.host})"
    if not device.children:
        return [OutletChoice(device.host, None, name, config)]
    return [
        OutletChoice(device.host, child.device_id, f"{name}: {child.alias or child.device_id}", config)
        for child in device.children
    ]


async def _outlets_of(devices: Iterable[Device]) -> list[OutletChoice]:
    """Read each device once and list its outlets; devices that refuse the credentials raise."""
    choices: list[OutletChoice] = []
    for device in devices:
        try:
            await device.update()
            choices += _choices(device)
        except _KASA_ERRORS as err:
            raise _error(device.host, err) from err
        finally:
            await device.disconnect()
    return choices


async def discover_outlets(
    target: str,
    *,
    port: int | None = None,
    credentials: Credentials | None = None,
    wait: int = DEFAULT_TIMEOUT,
) -> list[OutletChoice]:
    """Ask the network at target (a broadcast address, or one host) for plugs and strips."""
    try:
        found = await Discover.discover(
            target=target, port=port, credentials=credentials, discovery_timeout=wait
        )
    except _KASA_ERRORS as err:
        raise _error(target, err) from err
    return await _outlets_of(found.values())


async def probe_outlets(
    host: str,
    *,
    port: int | None = None,
    credentials: Credentials | None = None,
    wait: int = DEFAULT_TIMEOUT,
) -> list[OutletChoice]:
    """Connect to a plug or strip typed by hand and list its outlets.

    Discovery answers tell the protocol (legacy, KLAP, AES); where a network drops the discovery
    datagram, a direct legacy connection is tried instead.
    """
    device: Device | None = None
    try:
        device = await Discover.discover_single(
            host, port=port, credentials=credentials, discovery_timeout=wait
        )
    except AuthenticationError as err:
        raise _error(host, err) from err
    except _KASA_ERRORS:
        pass
    if device is None:
        config = DeviceConfig(host=host, port_override=port, credentials=credentials, timeout=wait)
        try:
            device = await Device.connect(config=config)
        except _KASA_ERRORS as err:
            raise _error(host, err) from err
    return await _outlets_of([device])


class KasaOutlet:
    """Switch one outlet: a plug, or a strip's child by id."""

    def __init__(
        self,
        host: str,
        *,
        child: str | None = None,
        port: int | None = None,
        config: DeviceConfig | None = None,
        timeout: int = DEFAULT_TIMEOUT,
    ) -> None:
        """Remember the device; newer (KLAP/AES) devices need the config saved from their discovery."""
        self.host = host
        self._child = child
        self._config = config or DeviceConfig(host=host, port_override=port, timeout=timeout)
        self._device: Device | None = None
        # One request at a time per outlet: python-kasa's connection is not shared safely.
        self._lock = asyncio.Lock()

    @classmethod
    def from_choice(cls, host: str, child: str | None, config: dict[str, Any]) -> KasaOutlet:
        """Return the outlet a config flow stored."""
        return cls(host, child=child, config=DeviceConfig.from_dict(config))

    async def state(self) -> OutletState:
        """Read the outlet's relay and power."""
        async with self._lock:
            outlet = await self._outlet(refresh=True)
            try:
                energy = outlet.modules.get(Module.Energy)
                power = as_number(energy.current_consumption) if energy is not None else None
                return OutletState(on=outlet.is_on is True, power_w=power)
            except _KASA_ERRORS as err:
                await self._forget()
                raise _error(self.host, err) from err

    async def set_on(self, on: bool) -> None:
        """Switch the outlet on or off."""
        async with self._lock:
            outlet = await self._outlet(refresh=False)
            try:
                await (outlet.turn_on() if on else outlet.turn_off())
            except _KASA_ERRORS as err:
                await self._forget()
                raise _error(self.host, err) from err

    async def close(self) -> None:
        """Close the connection."""
        async with self._lock:
            await self._forget()

    async def _forget(self) -> None:
        """Drop the connection, so the next request opens a fresh one."""
        if self._device is not None:
            device, self._device = self._device, None
            await device.disconnect()

    async def _outlet(self, *, refresh: bool) -> Device:
        """Return the device (connected once) or its child outlet."""
        try:
            if self._device is None:
                self._device = await Device.connect(config=self._config)
            elif refresh:
                await self._device.update()
        except _KASA_ERRORS as err:
            await self._forget()
            raise _error(self.host, err) from err
        if self._child is None:
            return self._device
        for child in self._device.children:
            if self._child in (child.device_id, child.alias):
                return child
        raise ApiResponseError(f"{self.host} has no outlet {self._child!r}")
