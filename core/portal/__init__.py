"""The customer portal: core's pages (:mod:`core.portal.views`) and the
navigation plugins extend (:mod:`core.portal.navigation`)."""
