"""Migrations of the marketing plugin's service requests (Tortoise app ``marketing_requests``)."""
