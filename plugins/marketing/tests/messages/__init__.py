"""Tests of job messages and live threads (M1, M2)."""
