"""Where failure alerts go: a Slack-compatible incoming webhook (``POST {"text": ...}``).

A plain HTTP POST rather than dagster-slack: dagster-slack's failure sensor posts through the
Slack Web API with a bot token and a channel, while an incoming-webhook URL is what Slack (and
Mattermost, Rocket.Chat, Discord's ``/slack`` endpoint, Google Chat-style relays) hands out, needs
no app, and is one ``requests`` call we already depend on.

The URL is a credential (whoever has a Slack webhook URL can post to the channel): it stays an
``EnvVar`` in the definitions and never appears in a log line, metadata or error message.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import dagster as dg
import requests
from pydantic import Field

from spotify_assets.resources.env import env_field


class AlertDeliveryError(RuntimeError):
    """The webhook did not accept the alert (the message says why, never the URL)."""


class AlertWebhookResource(dg.ConfigurableResource["AlertWebhookResource"]):
    """A Slack-compatible incoming webhook; without a URL, alerts are logged as not sent."""

    url: str | None = env_field(
        None,
        env="SPOTIFY_ALERT_WEBHOOK_URL",
        description="Slack-compatible incoming-webhook URL, a secret",
        secret=True,
        repr=False,
    )
    timeout_s: float = Field(default=10.0, description="Connect and read timeout of the POST")

    @property
    def configured(self) -> bool:
        return bool(self.url)

    def post(self, text: str) -> None:
        if not self.url:
            raise AlertDeliveryError("no webhook configured (set SPOTIFY_ALERT_WEBHOOK_URL)")
        host = urlsplit(self.url).hostname or "?"
        try:
            response = requests.post(self.url, json={"text": text}, timeout=self.timeout_s)
        except requests.RequestException as exc:
            # requests puts the URL (path included: the secret part) into its messages; only
            # the host and the kind of failure are reported.
            raise AlertDeliveryError(f"alert webhook at host {host} unreachable ({type(exc).__name__})") from None
        if not response.ok:
            raise AlertDeliveryError(f"alert webhook at host {host} answered HTTP {response.status_code}")
