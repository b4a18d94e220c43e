"""Where S3 is, for the raw store and the lake: boto3 (through dagster-aws) loads only when used.

``dagster_aws`` imports boto3 and its own components (~0.5 s); every process that loads the code
location (webserver, daemon, each run) paid that even when nothing is configured for S3. This
resource holds the same settings as ``dagster_aws.s3.S3Resource`` that the platform uses and builds
that resource's client on first use, so S3 costs nothing unless a bucket is configured.
"""

from __future__ import annotations

from typing import Any

import dagster as dg
from pydantic import Field


class S3Connection(dg.ConfigurableResource):
    """Endpoint and region of an S3-protocol service; credentials come from boto3's usual chain."""

    endpoint_url: str | None = Field(default=None, description="S3 endpoint (e.g. a MinIO or moto server); AWS when unset")
    region_name: str | None = Field(default=None, description="Region of the bucket(s)")

    def get_client(self) -> Any:
        from dagster_aws.s3 import S3Resource  # noqa: PLC0415  (lazy: boto3 only when S3 is used)

        return S3Resource(endpoint_url=self.endpoint_url, region_name=self.region_name).get_client()
