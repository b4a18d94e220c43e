"""Dagster definitions, one folder per domain (asset group), loaded by ``dg.load_from_defs_folder``.

Each module holds definitions only (assets, their checks, schedules, sensors): thin wrappers that
call the plain Python in the packages next to ``defs/``."""
