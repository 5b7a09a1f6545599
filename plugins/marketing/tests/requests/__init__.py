"""Tests of service requests and the marketing links (M3, M4)."""
