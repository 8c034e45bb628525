"""The retry and timing policies of the live pipeline, from the `[network]` settings."""

from __future__ import annotations

from tuichart.binance.backoff import Backoff
from tuichart.binance.presets import Endpoints
from tuichart.binance.rest import RestClient, RetryPolicy
from tuichart.binance.stream import StreamPolicy
from tuichart.config_schema import NetworkSettings
from tuichart.engine.feed import FeedPolicy


def stream_policy(n: NetworkSettings) -> StreamPolicy:
    """The stream's reconnect policy."""
    return StreamPolicy(
        backoff_initial=n.reconnect_initial, backoff_cap=n.reconnect_cap, silence_timeout=n.silence_timeout
    )


def feed_policy(n: NetworkSettings) -> FeedPolicy:
    """How long the feed waits for a close before asking REST, and how it retries a failed backfill."""
    return FeedPolicy(grace=n.close_grace, retry_initial=n.retry_scale, retry_cap=60.0 * n.retry_scale)


def start_backoff(n: NetworkSettings) -> Backoff:
    """The waits between tries to start the pipeline while the exchange cannot be reached."""
    return Backoff(initial=n.reconnect_initial, cap=n.reconnect_cap)


def rest_client(endpoints: Endpoints, n: NetworkSettings) -> RestClient:
    """A REST client for these endpoints that retries as the settings say."""
    return RestClient(endpoints, policy=RetryPolicy(scale=n.retry_scale))
