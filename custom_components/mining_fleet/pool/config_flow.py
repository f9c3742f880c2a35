"""Pool-account config-flow steps: choose the pool, enter the account, re-enter credentials, reconfigure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from ..api.errors import ApiError, ApiRateLimitedError, ApiUnknownAccountError
from ..const import CONF_KIND, KIND_POOL
from ..miner.flow import PASSWORD_SELECTOR, form_error
from .types import CONF_BASE_URL, CONF_POOL, POOL_TYPES, PoolType

POOL_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_POOL): SelectSelector(
            SelectSelectorConfig(
                options=list(POOL_TYPES), translation_key="pool", mode=SelectSelectorMode.LIST
            )
        )
    }
)
URL_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))


def _schema(pool: PoolType, *, secrets_only: bool = False) -> vol.Schema:
    """Return the account form of a pool (secrets in password fields, the base URL optional)."""
    fields: dict[Any, Any] = {}
    for field in pool.secrets if secrets_only else pool.fields:
        fields[vol.Required(field)] = PASSWORD_SELECTOR if field in pool.secrets else str
    if not secrets_only:
        fields[vol.Optional(CONF_BASE_URL)] = URL_SELECTOR
    return vol.Schema(fields)


def _visible(pool: PoolType, data: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return what a form may show again: never a secret."""
    return {key: value for key, value in (data or {}).items() if key not in pool.secrets and key != CONF_KIND}


class PoolFlow(ConfigFlow):
    """The pool-account steps of the integration's config flow."""

    _pool: PoolType | None = None

    async def _probe_pool(self, pool: PoolType, data: Mapping[str, Any]) -> tuple[str | None, dict[str, str]]:
        """Ask the pool for the account's workers; return the account's id, or the form errors."""
        try:
            status = await pool.build_client(async_get_clientsession(self.hass), data).status()
        except ApiUnknownAccountError:
            return None, {"base": "unknown_account"}
        except ApiRateLimitedError:
            return None, {"base": "rate_limited"}
        except ApiError as err:
            return None, {"base": f"pool_{form_error(err, pool.name)['base']}"}
        return pool.account_id(data, status), {}

    def _same_account(self, entry_id: str | None, account_id: str) -> bool:
        """Return whether new settings are for the entry's account (unknowable when only a key says)."""
        both_named = PoolType.names_account(entry_id) and PoolType.names_account(account_id)
        return entry_id == account_id or not both_named

    async def async_step_pool(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose the pool."""
        if user_input is not None:
            self._pool = POOL_TYPES[user_input[CONF_POOL]]
            return await self.async_step_pool_account()
        return self.async_show_form(step_id="pool", data_schema=POOL_SCHEMA)

    async def async_step_pool_account(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Enter the account, checked against the pool before the entry is created."""
        assert self._pool is not None
        pool = self._pool
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {CONF_KIND: KIND_POOL, CONF_POOL: pool.key, **user_input}
            account_id, errors = await self._probe_pool(pool, data)
            if account_id is not None:
                await self.async_set_unique_id(account_id)
                self._abort_if_unique_id_configured()
                return self.async_create_entry(title=_title(pool, data), data=data)
        return self.async_show_form(
            step_id="pool_account",
            data_schema=self.add_suggested_values_to_schema(_schema(pool), _visible(pool, user_input)),
            description_placeholders={"pool": pool.name},
            errors=errors,
        )

    async def async_step_pool_reauth(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the pool credentials again when the pool stops accepting them."""
        entry = self._get_reauth_entry()
        pool = POOL_TYPES[entry.data[CONF_POOL]]
        errors: dict[str, str] = {}
        if user_input is not None:
            account_id, errors = await self._probe_pool(pool, {**entry.data, **user_input})
            if account_id is not None:
                if not self._same_account(entry.unique_id, account_id):
                    return self.async_abort(reason="wrong_account")
                return self.async_update_reload_and_abort(
                    entry, unique_id=account_id, data_updates=user_input
                )
        return self.async_show_form(
            step_id="pool_reauth",
            data_schema=_schema(pool, secrets_only=True),
            description_placeholders={"name": entry.title, "pool": pool.name},
            errors=errors,
        )

    async def async_step_pool_reconfigure(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Change the account's fields or base URL; another account is refused."""
        entry = self._get_reconfigure_entry()
        pool = POOL_TYPES[entry.data[CONF_POOL]]
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {CONF_KIND: KIND_POOL, CONF_POOL: pool.key, **user_input}
            account_id, errors = await self._probe_pool(pool, data)
            if account_id is not None:
                if not self._same_account(entry.unique_id, account_id):
                    return self.async_abort(reason="wrong_account")
                return self.async_update_reload_and_abort(entry, unique_id=account_id, data=data)
        return self.async_show_form(
            step_id="pool_reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                _schema(pool), _visible(pool, user_input or entry.data)
            ),
            description_placeholders={"pool": pool.name},
            errors=errors,
        )


def _title(pool: PoolType, data: Mapping[str, Any]) -> str:
    """Return the entry's name: the pool and a short, non-secret account label."""
    account = str(data.get("address") or data.get("user") or "")
    short = f"{account[:6]}…{account[-4:]}" if len(account) > 14 else account
    return f"{pool.name} {short}".strip()
