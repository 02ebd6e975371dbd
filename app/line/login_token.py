"""LINE Login's token endpoint: the one LINE call the Messaging API SDK has no client for."""

from __future__ import annotations

import httpx

from ..write_guard import refuse_remote
from .errors import LineError


def exchange_login_code(*, base: str, code: str, redirect_uri: str, client_id: str, client_secret: str) -> str:
    """Trade LINE Login's authorization code for tokens; returns the ID token (a JWT)."""
    refuse_remote("LINE Login token exchange")
    try:
        response = httpx.post(
            f"{base}/oauth2/v2.1/token",
            timeout=10.0,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": client_id,
                "client_secret": client_secret,
            },
        )
    except httpx.HTTPError as exc:
        raise LineError(f"no answer from LINE Login ({type(exc).__name__})", retryable=True) from None
    if response.status_code != 200:
        try:
            reason = response.json().get("error") or ""
        except ValueError:
            reason = ""
        raise LineError(f"LINE Login {response.status_code}: {reason}", status=response.status_code)
    id_token = response.json().get("id_token")
    if not id_token:
        raise LineError("LINE Login answered without an ID token", status=200)
    return id_token
