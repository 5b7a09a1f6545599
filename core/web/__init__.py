"""Web plumbing shared by every blueprint: errors, security, rendering."""
