"""The trends dashboard: one self-contained interactive HTML page built from the trend tables."""

from spotify_assets.dashboard.page import DASHBOARD_KEY, Dashboard, build_dashboard, make_dashboard

__all__ = ["DASHBOARD_KEY", "Dashboard", "build_dashboard", "make_dashboard"]
