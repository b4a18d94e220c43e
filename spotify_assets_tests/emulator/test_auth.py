"""Client-credentials tokens and bearer authentication, with Spotify's two error shapes."""

from __future__ import annotations

import base64
import time

import pytest
import requests

from spotify_assets_tests.emulator.conftest import CLIENT_ID, CLIENT_SECRET, ApiClient, EmulatorFactory, Schemas


def request_token(url: str, **kwargs: object) -> requests.Response:
    return requests.post(url, timeout=10, **kwargs)  # type: ignore[arg-type]


def test_token_with_basic_auth(api: ApiClient) -> None:
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    response = request_token(
        api.emulator.token_url, data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body.keys() == {"access_token", "token_type", "expires_in"}
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 3600)
    assert api.get("/browse/new-releases", token=body["access_token"]).status_code == 200


def test_token_with_credentials_in_the_form(api: ApiClient) -> None:
    form = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    response = request_token(api.emulator.token_url, data=form)
    assert response.status_code == 200
    assert api.get("/browse/new-releases", token=response.json()["access_token"]).status_code == 200


def test_every_token_is_a_fresh_opaque_string(api: ApiClient) -> None:
    tokens = {api.new_token() for _ in range(5)}
    assert len(tokens) == 5
    assert all(CLIENT_SECRET not in token and len(token) > 40 for token in tokens)


@pytest.mark.parametrize(
    "credentials",
    [
        {"auth": (CLIENT_ID, "wrong-secret")},
        {"auth": ("someone-else", CLIENT_SECRET)},
        {"headers": {"Authorization": "Basic !!not-base64!!"}},
        {},
    ],
)
def test_invalid_client_never_echoes_the_secret(api: ApiClient, credentials: dict) -> None:
    response = request_token(api.emulator.token_url, data={"grant_type": "client_credentials"}, **credentials)
    assert (response.status_code, response.json()) == (
        400,
        {"error": "invalid_client", "error_description": "Invalid client"},
    )
    assert b"secret" not in response.content.lower()
    assert CLIENT_SECRET not in repr(api.emulator.config)


def test_grant_type_is_required(api: ApiClient) -> None:
    missing = request_token(api.emulator.token_url, data={}, auth=(CLIENT_ID, CLIENT_SECRET))
    assert (missing.status_code, missing.json()) == (
        400,
        {"error": "unsupported_grant_type", "error_description": "grant_type parameter is missing"},
    )
    other = request_token(api.emulator.token_url, data={"grant_type": "password"}, auth=(CLIENT_ID, CLIENT_SECRET))
    assert (other.status_code, other.json()["error"]) == (400, "unsupported_grant_type")


@pytest.mark.parametrize(
    ("headers", "status", "message"),
    [
        ({}, 401, "No token provided"),
        ({"Authorization": "Bearer "}, 401, "No token provided"),
        ({"Authorization": "Bearer not-a-token"}, 401, "Invalid access token"),
        (
            {"Authorization": f"Basic {base64.b64encode(b'a:b').decode()}"},
            400,
            "Only valid bearer authentication supported",
        ),
    ],
)
def test_bearer_token_errors(api: ApiClient, schemas: Schemas, headers: dict, status: int, message: str) -> None:
    response = api.session.get(api.emulator.api_base_url + "/browse/new-releases", headers=headers)
    assert (response.status_code, response.json()) == (status, {"error": {"status": status, "message": message}})
    schemas.full.assert_valid(response.json(), "responses/Unauthorized")


def test_tokens_expire_after_their_ttl(start_emulator: EmulatorFactory) -> None:
    api = ApiClient(start_emulator(token_ttl_s=0.3))
    token_response = request_token(
        api.emulator.token_url, data={"grant_type": "client_credentials"}, auth=(CLIENT_ID, CLIENT_SECRET)
    )
    assert token_response.json()["expires_in"] == 0
    assert api.get("/browse/new-releases").status_code == 200
    time.sleep(0.4)
    expired = api.get("/browse/new-releases")
    assert (expired.status_code, expired.json()["error"]["message"]) == (401, "Missing/invalid/expired access token")
    assert expired.headers["WWW-Authenticate"].startswith("Bearer")
    assert api.get("/browse/new-releases", token=api.new_token()).status_code == 200
