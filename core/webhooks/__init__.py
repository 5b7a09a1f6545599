"""Outgoing webhooks (Standard Webhooks): the business's own systems hear what happens in its portal.

* :mod:`~core.webhooks.events`: event types (the ``porchside_webhook_event_types``
  hook), :func:`~core.webhooks.events.emit` and the subscription of every
  :func:`core.plugin_state.announce` to webhooks;
* :mod:`~core.webhooks.signing`: ``webhook-id``, ``webhook-timestamp`` and
  ``webhook-signature`` headers;
* :mod:`~core.webhooks.secrets`: ``whsec_`` secrets, kept encrypted;
* :mod:`~core.webhooks.targets`: the SSRF guard (public addresses only);
* :mod:`~core.webhooks.delivery`: sending through the job queue, retries
  for three days, disabling an endpoint that keeps failing;
* :mod:`~core.webhooks.endpoints`: create, resend, enable, disable, used by
  the API resource (:mod:`core.api.webhook_endpoints`) and the console page
  (:mod:`core.console.webhooks`).

Tables: :mod:`core.models.webhooks`.
"""
