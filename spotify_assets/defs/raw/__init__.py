"""The raw group: API responses of a day landed unchanged (``spotify_assets.landing`` does the work)."""
