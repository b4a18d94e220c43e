"""Spotify-style 22-character base-62 ids that decode back to catalog coordinates.

Why not a lookup table: a 10 000-album day would need every id of every day ever served kept in
memory. Instead an id *is* its catalog coordinates (kind, index, sub-index) plus a secret tag,
scrambled by a keyed 128-bit permutation (a Feistel network over BLAKE2b). Decoding runs the
permutation backwards and checks the tag, so ids from another seed, random strings and real
Spotify ids are recognised as unknown (the chance of a false match is 2**-56).
"""

from __future__ import annotations

import hashlib
from enum import IntEnum

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
ID_LENGTH = 22
_DIGITS = {char: value for value, char in enumerate(ALPHABET)}
_DIGIT_PAIRS = [high + low for high in ALPHABET for low in ALPHABET]  # two digits per divmod
_DIGIT_BYTES = bytes(ord(ALPHABET[b % 62]) for b in range(256))
# A leading digit below 5 keeps the id's value under 2**128, like real Spotify ids.
_LEADING_DIGIT_BYTES = bytes(ord(ALPHABET[b % 5]) for b in range(256))
_HALF_BITS = 64
_HALF_MASK = (1 << _HALF_BITS) - 1
_ROUNDS = 3  # enough to scramble: the tag check, not secrecy, is what rejects foreign ids
_INDEX_BITS = 48
_SUB_BITS = 16
_KIND_BITS = 8
_TAG_BITS = 128 - _KIND_BITS - _INDEX_BITS - _SUB_BITS


class Kind(IntEnum):
    """What an id names; part of the encoded payload so an artist id is never a valid album id."""

    ALBUM = 1
    TRACK = 2
    ARTIST = 3


def is_base62_id(text: str) -> bool:
    """Spotify rejects ids of the wrong shape with 400 before looking them up."""
    return len(text) == ID_LENGTH and all(char in _DIGITS for char in text)


class IdCodec:
    """Reversible, seed-keyed mapping between (kind, index, sub) and a base-62 id."""

    def __init__(self, seed: int) -> None:
        key = hashlib.blake2b(f"spotify-emulator-ids:{seed}".encode(), digest_size=32).digest()
        self._round_keys = [key[:16] + bytes([r]) for r in range(_ROUNDS)]
        self._tag = int.from_bytes(hashlib.blake2b(key, digest_size=8).digest()) >> (64 - _TAG_BITS)

    def encode(self, kind: Kind, index: int, sub: int = 0) -> str:
        if not (0 <= index < 1 << _INDEX_BITS and 0 <= sub < 1 << _SUB_BITS):
            raise ValueError(f"catalog coordinates out of range: index={index} sub={sub}")
        payload = (((self._tag << _KIND_BITS | kind) << _INDEX_BITS | index) << _SUB_BITS) | sub
        return _to_base62(self._permute(payload))

    def digest_id(self, kind: Kind, index: int, sub: int = 0) -> str:
        """A stable id for objects never looked up by id (tracks): a keyed hash mapped straight
        onto base-62 digits, because a 10 000-album day has ~170 000 tracks to name."""
        data = kind.to_bytes(1) + index.to_bytes(8) + sub.to_bytes(4)
        digest = hashlib.blake2b(data, key=self._round_keys[0], digest_size=ID_LENGTH).digest()
        return (digest[:1].translate(_LEADING_DIGIT_BYTES) + digest[1:].translate(_DIGIT_BYTES)).decode("ascii")

    def decode(self, text: str) -> tuple[Kind, int, int] | None:
        """(kind, index, sub) for an id this codec made, None for anything else."""
        if not is_base62_id(text):
            return None
        value = _from_base62(text)
        if value >> 128:
            return None
        payload = self._unpermute(value)
        sub = payload & ((1 << _SUB_BITS) - 1)
        index = (payload >> _SUB_BITS) & ((1 << _INDEX_BITS) - 1)
        kind = (payload >> (_SUB_BITS + _INDEX_BITS)) & ((1 << _KIND_BITS) - 1)
        tag = payload >> (_SUB_BITS + _INDEX_BITS + _KIND_BITS)
        if tag != self._tag or kind not in Kind._value2member_map_:
            return None
        return Kind(kind), index, sub

    def _round(self, round_number: int, half: int) -> int:
        digest = hashlib.blake2b(half.to_bytes(8), key=self._round_keys[round_number], digest_size=8).digest()
        return int.from_bytes(digest)

    def _permute(self, value: int) -> int:
        left, right = value >> _HALF_BITS, value & _HALF_MASK
        for r in range(_ROUNDS):
            left, right = right, left ^ self._round(r, right)
        return left << _HALF_BITS | right

    def _unpermute(self, value: int) -> int:
        left, right = value >> _HALF_BITS, value & _HALF_MASK
        for r in reversed(range(_ROUNDS)):
            left, right = right ^ self._round(r, left), left
        return left << _HALF_BITS | right


def _to_base62(value: int) -> str:
    pairs = []
    for _ in range(ID_LENGTH // 2):
        value, pair = divmod(value, 62 * 62)
        pairs.append(_DIGIT_PAIRS[pair])
    return "".join(reversed(pairs))


def _from_base62(text: str) -> int:
    value = 0
    for char in text:
        value = value * 62 + _DIGITS[char]
    return value
