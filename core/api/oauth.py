"""``POST /oauth/token``: OAuth 2.0 client credentials on authlib's server primitives.

Authlib ships no Quart integration and its server calls are synchronous,
so the adapter is small: the view reads the form and loads the client row
(the only I/O) first, then authlib's :class:`AuthorizationServer` with its
:class:`ClientCredentialsGrant` does the protocol (grant type, client
authentication by HTTP Basic or form fields, scope checks, the token
response and RFC 6749 error bodies); the token it issued is stored last.
The endpoint answers on the tenant's host only and finds only that
tenant's clients.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any

from authlib.oauth2.rfc6749 import AuthorizationServer, ClientMixin, OAuth2Request
from authlib.oauth2.rfc6749.errors import InsecureTransportError
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6749.util import extract_basic_authorization, scope_to_list
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from quart import Response, request

from core.api.clients import digest, secret_matches
from core.models.api import ApiClient, ApiToken
from core.web.security import is_secure_host

TOKEN_LIFETIME = timedelta(hours=1)
TOKEN_PREFIX = "pst_"
AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


class _Client(ClientMixin):
    """authlib's view of an :class:`ApiClient` row."""

    def __init__(self, row: ApiClient) -> None:
        self.row = row

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> str | None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        # No scope asked: everything the client may have. Asking for more
        # than that is an error (invalid_scope), not a silent narrowing.
        if not scope:
            return " ".join(self.row.scopes)
        wanted = scope_to_list(scope)
        if not set(wanted) <= set(self.row.scopes):
            return None
        return " ".join(dict.fromkeys(wanted))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return secret_matches(self.row, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == ClientCredentialsGrant.GRANT_TYPE


class _Grant(ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS


class _Request(OAuth2Request):
    """An OAuth2Request built from the already-read Quart form and headers."""

    def __init__(self, uri: str, form: dict[str, str], headers: dict[str, str]) -> None:
        super().__init__(method="POST", uri=uri, headers=headers)
        self._form = form
        self.payload = BasicOAuth2Payload(form)

    @property
    def args(self) -> dict[str, str]:
        return {}

    @property
    def form(self) -> dict[str, str]:
        return self._form


class _Server(AuthorizationServer):
    """An authorization server for one request: it knows the one client the request names."""

    def __init__(self, row: ApiClient | None) -> None:
        super().__init__()
        self._row = row
        self.issued: dict[str, Any] | None = None
        self.register_grant(_Grant)
        generator = BearerTokenGenerator(
            access_token_generator=lambda **_: TOKEN_PREFIX + secrets.token_urlsafe(32),
            expires_generator=int(TOKEN_LIFETIME.total_seconds()),
        )
        self.register_token_generator("default", generator)

    def query_client(self, client_id: str) -> _Client | None:
        if self._row is not None and secrets.compare_digest(self._row.client_id, client_id or ""):
            return _Client(self._row)
        return None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        # Stored after authlib returns (the ORM is async, authlib is not).
        self.issued = token

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        # The view builds the OAuth2Request itself (see _Request).
        return request

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    def handle_response(self, status: int, body: Any, headers: Any) -> tuple[int, Any, Any]:
        return status, body, headers


def _named_client_id(form: dict[str, str], headers: dict[str, str]) -> str:
    client_id, _ = extract_basic_authorization(headers)
    return client_id or form.get("client_id") or ""


def _uri() -> str:
    """The URL authlib checks for transport security.

    Plain http is refused except on development hosts (``localhost``); behind
    a TLS proxy the server's proxy headers make the scheme https.
    """
    url = request.url
    if request.scheme == "http" and not is_secure_host(request.host):
        url = "https://" + url[len("http://"):]
    return url


async def token_endpoint() -> Response:
    """The view of ``POST /oauth/token``."""
    form = {key: value for key, value in (await request.form).items()}
    headers = {key: value for key, value in request.headers.items()}
    client_id = _named_client_id(form, headers)
    row = await ApiClient.get_or_none(client_id=client_id, revoked_at=None) if client_id else None
    server = _Server(row)
    try:
        oauth_request = _Request(_uri(), form, headers)
    except InsecureTransportError as exc:
        status, body, extra = exc.status_code, dict(exc.get_body()), exc.get_headers()
    else:
        status, body, extra = server.create_token_response(oauth_request)
    if status == 200 and server.issued is not None and row is not None:
        now = datetime.now(timezone.utc)
        await ApiToken.create(
            client=row,
            token_hash=digest(server.issued["access_token"]),
            scopes=scope_to_list(server.issued.get("scope") or "") or [],
            expires_at=now + TOKEN_LIFETIME,
        )
        await ApiClient.filter(id=row.id).update(last_used_at=now)
    response = Response(
        json.dumps(body if isinstance(body, dict) else dict(body)),
        status=status,
        content_type="application/json",
    )
    for name, value in extra or []:
        response.headers[name] = value
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response
