"""``python -m spotify_assets.emulator`` / ``spotify-emulator``: serve the emulator until SIGINT/SIGTERM.

Prints the base URL as the first line of stdout (``--port 0`` picks a free port), so scripts can
start it in the background and read where it listens. Out-of-process control goes through the
admin endpoints: ``/_emulator/stats``, ``/_emulator/stats/reset``, ``/_emulator/clock`` and
``/_emulator/faults``.
"""

from __future__ import annotations

import argparse
import signal
import threading
from datetime import date

from spotify_assets.emulator.catalog import CatalogConfig
from spotify_assets.emulator.faults import FaultConfig
from spotify_assets.emulator.server import EmulatorConfig, SpotifyEmulator

DEFAULT_PORT = 8765


def main(argv: list[str] | None = None) -> None:
    config = config_from_args(build_parser().parse_args(argv))
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with SpotifyEmulator(config) as emulator:
        print(emulator.base_url, flush=True)
        stop.wait()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spotify-emulator", description="Serve the Spotify Web API emulator.")
    server = parser.add_argument_group("server")
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    server.add_argument("--client-id", default=EmulatorConfig.client_id)
    server.add_argument("--client-secret", default=EmulatorConfig.client_secret)
    server.add_argument("--token-ttl", type=float, default=EmulatorConfig.token_ttl_s, help="token lifetime, s")
    server.add_argument("--dev-mode", action="store_true", help="answer as for a Development-Mode app")
    server.add_argument("--today", type=date.fromisoformat, help="fixed date YYYY-MM-DD (default: UTC today)")

    catalog = parser.add_argument_group("catalog")
    catalog.add_argument("--seed", type=int, default=CatalogConfig.seed)
    catalog.add_argument("--albums-per-day", type=int, default=CatalogConfig.albums_per_day)
    catalog.add_argument("--daily-turnover", type=float, default=CatalogConfig.daily_turnover)

    faults = parser.add_argument_group("faults (applied to /v1 requests)")
    faults.add_argument("--fault-seed", type=int, default=FaultConfig.seed)
    faults.add_argument("--latency-ms", type=float, default=FaultConfig.latency_ms)
    faults.add_argument("--error-5xx-rate", type=float, default=FaultConfig.error_5xx_rate)
    faults.add_argument(
        "--rate-limit", type=parse_rate_limit, metavar="N[/SECONDS]", help="N requests per rolling window (30 s)"
    )
    faults.add_argument("--retry-after", type=int, help="fixed Retry-After, s (default: until a slot frees)")
    faults.add_argument("--quota-exceeded", action="store_true", help="answer every request 429 QUOTA_EXCEEDED")
    faults.add_argument("--truncated-body-rate", type=float, default=FaultConfig.truncated_body_rate)
    faults.add_argument("--connection-reset-rate", type=float, default=FaultConfig.connection_reset_rate)
    faults.add_argument("--expire-token-every", type=int, metavar="N", help="expire the token after every N requests")
    return parser


def parse_rate_limit(text: str) -> tuple[int, float]:
    """``"100/30"`` -> (100, 30.0); ``"100"`` keeps Spotify's 30-second window."""
    requests, _, window = text.partition("/")
    try:
        return int(requests), float(window or FaultConfig.rate_limit_window_s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected N or N/SECONDS, got {text!r}") from None


def config_from_args(args: argparse.Namespace) -> EmulatorConfig:
    rate_limit, window = args.rate_limit or (None, FaultConfig.rate_limit_window_s)
    return EmulatorConfig(
        catalog=CatalogConfig(seed=args.seed, albums_per_day=args.albums_per_day, daily_turnover=args.daily_turnover),
        faults=FaultConfig(
            seed=args.fault_seed,
            latency_ms=args.latency_ms,
            error_5xx_rate=args.error_5xx_rate,
            rate_limit_requests=rate_limit,
            rate_limit_window_s=window,
            retry_after_s=args.retry_after,
            quota_exceeded=args.quota_exceeded,
            truncated_body_rate=args.truncated_body_rate,
            connection_reset_rate=args.connection_reset_rate,
            expire_token_every=args.expire_token_every,
        ),
        dev_mode=args.dev_mode,
        token_ttl_s=args.token_ttl,
        client_id=args.client_id,
        client_secret=args.client_secret,
        today=args.today,
        host=args.host,
        port=args.port,
    )


if __name__ == "__main__":
    main()
