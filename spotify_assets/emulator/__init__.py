"""An embedded, faithful Spotify Web API emulator: deterministic catalog, real HTTP, injectable faults.

Run it in-process (``with SpotifyEmulator() as emulator: ...``) or as a CLI
(``python -m spotify_assets.emulator --port 8765``).
"""

from spotify_assets.emulator.catalog import Catalog, CatalogConfig
from spotify_assets.emulator.faults import FaultConfig
from spotify_assets.emulator.server import EmulatorConfig, SpotifyEmulator

__all__ = ["Catalog", "CatalogConfig", "EmulatorConfig", "FaultConfig", "SpotifyEmulator"]
