"""The live market pipeline: stream, feed, backfill of holes, persistence, indicators and alerts per series."""
