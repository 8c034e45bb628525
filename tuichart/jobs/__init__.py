"""Batch jobs over the store and the exchange: import, export, backfill, check, indicator rebuild."""
