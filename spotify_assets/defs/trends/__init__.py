"""The trends group: history-wide trend tables and the dashboard drawn from them."""
