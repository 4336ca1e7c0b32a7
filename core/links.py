"""Single-use links: a row's id and a random nonce stored on it, signed, in one URL token.

Whoever holds the token acts on that one row (an invitation, an external supervisor's
assessment). Replacing the nonce on the row kills every earlier link at once; the signature
stops anyone from guessing or altering one. The salt keeps one kind of link from being used
as another.
"""

from __future__ import annotations

from django.core import signing


def link_token(salt: str, pk: int, nonce: str) -> str:
    """The signed token naming row `pk` with its current `nonce`."""
    return signing.Signer(salt=salt).sign(f"{pk}.{nonce}")


def read_link_token(salt: str, token: str) -> tuple[int, str] | None:
    """(row id, nonce) from a token, or None when it is forged, altered or malformed. Whether
    the nonce is still the row's is for the caller to compare (constant_time_compare)."""
    try:
        value = signing.Signer(salt=salt).unsign(token)
    except signing.BadSignature:
        return None
    pk, _, nonce = value.partition(".")
    if not pk.isdigit() or not nonce or len(pk) > 18:
        return None
    return int(pk), nonce
