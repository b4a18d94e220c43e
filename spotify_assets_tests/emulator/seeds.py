"""Real Spotify response bodies, recovered from a notebook's printed outputs (``shared/seeds/004_*``).

The notebook printed Python reprs (single quotes, ``None``), sometimes JSON-ish fragments with
``...`` lines, and its outputs are cut off after about 1000 characters. Each block is parsed with
``ast.literal_eval``; a cut-off one is recovered by cutting it back to its last complete element
(a comma outside strings) and closing the brackets still open. Recovered values are marked
incomplete, so checks on them skip absent fields instead of blaming the cut.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SEEDS_DIR = Path(__file__).resolve().parents[3] / "shared" / "seeds"
NOTEBOOK_GLOB = "004_*.txt"
API_URL = re.compile(r"https://api\.spotify\.com/v1/[^\s'\"),]+")
FIELD_LIST = re.compile(r"^dict_keys\((\[.*\])\)$", re.MULTILINE)
CLOSERS = {"{": "}", "[": "]"}


@dataclass(frozen=True)
class Recovered:
    line: int  # 1-based line of the block in the notebook
    value: Any
    complete: bool


def notebook_text(seeds_dir: Path = SEEDS_DIR) -> str | None:
    found = sorted(seeds_dir.glob(NOTEBOOK_GLOB))
    return found[0].read_text(encoding="utf-8") if found else None


def literal_blocks(text: str) -> list[Recovered]:
    """Every printed dict or list (a block starting at column 0 with ``{`` or ``[``, up to a blank line)."""
    lines = text.split("\n")
    blocks, index = [], 0
    while index < len(lines):
        if not lines[index].startswith(("{", "[")):
            index += 1
            continue
        start, body, elided = index, [], False
        while index < len(lines) and lines[index].strip() and not lines[index].startswith("```"):
            if lines[index].strip() in ("...", "...,"):  # the notebook's own elisions: fields left out
                elided = True
            else:
                body.append(lines[index])
            index += 1
        recovered = recover("\n".join(body))
        if recovered is not None:
            value, complete = recovered
            blocks.append(Recovered(start + 1, value, complete and not elided))
    return blocks


def recover(text: str) -> tuple[Any, bool] | None:
    """(value, complete) of a Python literal, or of its longest recoverable prefix; None if none."""
    try:
        return ast.literal_eval(text), True
    except (SyntaxError, ValueError):
        pass
    for cut, still_open in reversed(_cut_points(text)):
        try:
            return ast.literal_eval(text[:cut] + "".join(CLOSERS[c] for c in reversed(still_open))), False
        except (SyntaxError, ValueError):
            continue
    return None


def _cut_points(text: str) -> list[tuple[int, tuple[str, ...]]]:
    """Positions of commas outside strings, with the brackets open there."""
    points, stack, quote, escaped = [], [], "", False
    for position, char in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in CLOSERS:
            stack.append(char)
        elif char in "}]" and stack:
            stack.pop()
        elif char == "," and stack:
            points.append((position, tuple(stack)))
    return points


def printed_urls(text: str) -> list[str]:
    return [url.rstrip(".") for url in API_URL.findall(text)]


def printed_field_lists(text: str) -> list[list[str]]:
    """``dict_keys([...])`` outputs: the fields real objects had."""
    return [ast.literal_eval(found) for found in FIELD_LIST.findall(text)]


def objects_with(value: Any, key: str) -> list[dict[str, Any]]:
    """Every dict in ``value`` (depth first) that has ``key``."""
    if isinstance(value, dict):
        own = [value] if key in value else []
        return own + [d for v in value.values() for d in objects_with(v, key)]
    if isinstance(value, list):
        return [d for v in value for d in objects_with(v, key)]
    return []
