"""The integration API under ``/api/v1/`` and its OAuth 2.0 token endpoint.

One small module per convention: :mod:`~core.api.errors` (RFC 9457 problem
details), :mod:`~core.api.request_ids`, :mod:`~core.api.clients` (API
clients and their secrets), :mod:`~core.api.oauth` (the token endpoint on
authlib), :mod:`~core.api.auth` (bearer tokens and scopes),
:mod:`~core.api.pagination`, :mod:`~core.api.idempotency`,
:mod:`~core.api.conditional` (ETag and If-Match), :mod:`~core.api.limits`
(per-client rate limits), :mod:`~core.api.resources` (the declarative
resource engine), :mod:`~core.api.openapi` and the routes in
:mod:`~core.api.blueprint`. ``docs/api.md`` is the integrator's guide.
"""
