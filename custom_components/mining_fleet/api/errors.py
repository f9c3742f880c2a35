"""Exception tree shared by every mining_fleet API client."""

from __future__ import annotations


class ApiError(Exception):
    """Base class for every error a device client raises."""


class ApiConnectionError(ApiError):
    """The device could not be reached or dropped the connection."""


class ApiTimeoutError(ApiConnectionError):
    """The device did not answer in time."""


class ApiAuthError(ApiError):
    """The device refused the request for lack of authorisation."""


class ApiInvalidCredentialsError(ApiAuthError):
    """The device rejected the password (VNish HTTP 403): the user must enter a new one."""


class ApiKeyRequiredError(ApiAuthError):
    """The firmware wants an API key (VNish x-api-key) for this command, or refused the one sent."""


class ApiUnknownAccountError(ApiInvalidCredentialsError):
    """The service does not know the account or address (a pool answering 404)."""


class ApiRateLimitedError(ApiConnectionError):
    """The service asks us to slow down (HTTP 429); the next poll will try again."""


class ApiNotLocalError(ApiAuthError):
    """The device only answers clients on its local network (AxeOS HTTP 401)."""


class ApiBadRequestError(ApiError):
    """The device rejected the values sent (HTTP 400); nothing was saved."""


class ApiResponseError(ApiError):
    """The device answered with something we cannot use (5xx, bad JSON, missing data)."""
