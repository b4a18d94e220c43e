"""Shared fixtures: real servers on 127.0.0.1 (Spotify emulator, moto's S3 server) and tmp data dirs."""

from __future__ import annotations

import os
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer

from spotify_assets.emulator import EmulatorConfig, SpotifyEmulator

TEST_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture
def emulator() -> Iterator[SpotifyEmulator]:
    """A fault-free emulator with the default catalog (100 albums a day)."""
    with SpotifyEmulator(EmulatorConfig()) as emu:
        yield emu


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto in server mode: a real S3-protocol HTTP endpoint, not in-process patching."""
    saved = {k: os.environ.get(k) for k in TEST_AWS_ENV}
    os.environ.update(TEST_AWS_ENV)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def s3_bucket(s3_endpoint: str, request: pytest.FixtureRequest) -> str:
    name = "raw-" + request.node.name.lower().replace("_", "-")[:40].strip("-")
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket=name)
    return name
