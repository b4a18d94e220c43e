"""Where S3 is, for the raw store and the lake: boto3 (through dagster-aws) loads only when used.

``dagster_aws`` imports boto3 and its own components (~0.5 s); every process that loads the code
location (webserver, daemon, each run) paid that even when nothing is configured for S3. This
resource holds the settings of ``dagster_aws.s3.S3Resource`` that the platform uses and builds that
resource's client on first use, so S3 costs nothing unless a bucket is configured.

The naming rules for buckets and key prefixes live here too, as validators the store resources use.
"""

from __future__ import annotations

import re
from typing import Any

import dagster as dg

from spotify_assets.resources.env import env_field

# S3 bucket naming rules (general purpose buckets): 3-63 characters, lowercase letters, digits,
# dots and hyphens, starting and ending with a letter or digit, no "..", not an IP address.
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IP_ADDRESS = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
# Key prefix: "/"-separated segments of S3's safe characters; no empty, "." or ".." segment.
_PREFIX_SEGMENT = re.compile(r"^[A-Za-z0-9!_.*'()=-]+$")


def bucket_name(value: str | None) -> str | None:
    """A field validator: ``value`` if it is a valid bucket name (None: no bucket)."""
    if value is not None and (not _BUCKET.match(value) or ".." in value or _IP_ADDRESS.match(value)):
        raise ValueError("must be an S3 bucket name (3-63 lowercase letters, digits, dots or hyphens, no 's3://' or '/')")
    return value


def key_prefix(value: str) -> str:
    """A field validator: the prefix without surrounding slashes, if every segment is safe."""
    segments = value.strip("/").split("/")
    if not all(_PREFIX_SEGMENT.match(s) and s not in {".", ".."} for s in segments):
        raise ValueError("must be a key prefix like 'lake' or 'exports/spotify'")
    return "/".join(segments)


class S3Connection(dg.ConfigurableResource["S3Connection"]):
    """Endpoint and region of an S3-protocol service; credentials come from boto3's usual chain."""

    endpoint_url: str | None = env_field(
        None, env="AWS_ENDPOINT_URL", description="S3 endpoint (e.g. a MinIO or moto server); AWS when unset"
    )
    region_name: str | None = env_field("us-east-1", env="AWS_REGION", description="Region of the bucket(s)")

    def get_client(self) -> Any:
        from dagster_aws.s3 import S3Resource  # lazy: boto3 only when S3 is used

        return S3Resource(endpoint_url=self.endpoint_url, region_name=self.region_name).get_client()
