"""Headless jobs shared by the CLI and the app: import, export, backfill, record."""
