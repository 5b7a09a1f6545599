"""The integration API under ``/api/v1/`` and its OAuth 2.0 token endpoint (``docs/api.md``).

One small module per concern:

- :mod:`~core.api.clients`: create, rotate, revoke API clients (secrets hashed);
- :mod:`~core.api.oauth`: ``POST /oauth/token`` on authlib's client credentials grant;
- :mod:`~core.api.auth`: bearer tokens and scopes (:mod:`~core.api.scopes`);
- :mod:`~core.api.errors`: RFC 9457 problem details and the error codes;
- :mod:`~core.api.request_ids`, :mod:`~core.api.limits` (per-client rate limits),
  :mod:`~core.api.pagination`, :mod:`~core.api.idempotency`,
  :mod:`~core.api.conditional` (ETag and If-Match);
- :mod:`~core.api.resources`: the records a resource is declared with
  (the ``porchside_api_resources`` hook), :mod:`~core.api.fields` (shared
  field types), :mod:`~core.api.registry` (declared resources per app);
- :mod:`~core.api.engine`: list, get, create, update, delete, upsert, actions;
- :mod:`~core.api.blueprint`: the routes; :mod:`~core.api.openapi`: the document;
- :mod:`~core.api.customers`, :mod:`~core.api.contacts`: core's resources,
  declared by :mod:`~core.api.builtin` like a plugin's;
- :mod:`~core.api.webhook_endpoints`: outgoing webhook subscriptions,
  declared by :mod:`core.webhooks.builtin` (the webhooks package).
"""
