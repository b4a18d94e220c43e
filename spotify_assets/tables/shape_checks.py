"""Shape checks done in the one parse of each raw file (SQL expressions, no Python per row).

``from_json`` reads a file with the structure ``read_structure`` gives it: the containers the load
descends into (tracks, items, artists, external_urls) as typed structs and lists, every other field
as JSON, whose type ``json_type()`` then tells. A list of scalars (available_markets) is read as a
list of NULLs of the same length: only its length is used, and that costs next to nothing.

A typed container hides the raw type (a non-object reads as a struct of NULLs, a non-list as NULL),
so the checks are conservative there: ``suspect_sql`` is TRUE for anything that *may* be malformed,
and a file with a suspect item goes through the precise validator (``shape_validator``), which
fails naming the file, item and field, or finds the item fine (an empty ``external_urls``, say).
"""

from __future__ import annotations

from typing import Any

from spotify_assets.tables.raw_shapes import Shape, Spec, is_scalar_list, json_types

# The containers read as typed structs / lists, so the load can descend into them.
DESCEND = frozenset({"external_urls", "artists", "tracks", "items"})


def read_structure(shape: Shape) -> dict[str, Any]:
    """The ``from_json`` structure that reads ``shape``'s fields in one parse."""
    out: dict[str, Any] = {}
    for name, spec in shape.items():
        if is_scalar_list(spec):
            out[name] = ["NULL"]
        elif name in DESCEND and isinstance(spec, list) and isinstance(spec[0], dict):
            out[name] = [read_structure(spec[0])]
        elif name in DESCEND and isinstance(spec, dict):
            out[name] = read_structure(spec)
        else:
            out[name] = "JSON"
    return out


def has_json_type(value: str, spec: Spec) -> str:
    """SQL: the JSON ``value`` (not NULL) is of ``spec``'s type."""
    return f"json_type({value}) IN ({', '.join(repr(t) for t in json_types(spec))})"


def _wrong_json(value: str, spec: Spec) -> str:
    """SQL: the JSON ``value`` (NULL: absent or null) is present and not of ``spec``'s type; for a
    small object read as JSON (external_ids), its fields are checked too."""
    wrong = f"NOT {has_json_type(value, spec)}"
    if isinstance(spec, dict):
        for name, sub in spec.items():
            allowed = ", ".join(repr(t) for t in ("NULL", *json_types(sub)))
            wrong += f" OR coalesce(json_type({value}, '$.{name}'), 'NULL') NOT IN ({allowed})"
    return f"({value} IS NOT NULL AND ({wrong}))"


def suspect_sql(shape: Shape, item: str) -> str:
    """SQL: the ``item`` (read with ``read_structure(shape)``, not NULL) may be malformed.

    Exact for fields read as JSON. Conservative for typed containers: an item or object whose
    fields all read NULL may be a non-object, a list that reads NULL may be a non-list, so a
    missing id, ``external_urls.spotify``, ``artists`` or ``tracks.items`` is suspect too. The
    items of a list (tracks, artists) are checked on their own rows, not here (a lambda per list
    costs more than the parse). A list of scalars is suspect only when it reads NULL in a file that
    has the field at all (``has_<field>``: Development-Mode and market-filtered responses leave it out).
    """
    conds = [f"json_type({item}.id) IS DISTINCT FROM 'VARCHAR'"]  # also catches a non-object item
    for name, spec in shape.items():
        value = f'{item}."{name}"'
        if name == "id":
            continue
        if is_scalar_list(spec):
            conds.append(f"({value} IS NULL AND has_{name})")
        elif name in DESCEND and isinstance(spec, list):
            conds.append(f"{value} IS NULL")
        elif name in DESCEND and isinstance(spec, dict):  # an object read as a struct: each field must be there
            for sub, sub_spec in spec.items():
                field = f'{value}."{sub}"'
                if isinstance(sub_spec, list):
                    conds.append(f"{field} IS NULL")
                else:
                    conds.append(f"{field} IS NULL OR NOT {has_json_type(field, sub_spec)}")
        else:
            conds.append(_wrong_json(value, spec))
    return " OR ".join(f"({c})" for c in conds)
