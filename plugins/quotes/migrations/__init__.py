"""Migrations of the quotes plugin's tables, written by ``porchside makemigrations``."""
