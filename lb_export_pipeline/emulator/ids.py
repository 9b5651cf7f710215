"""Deterministic ids in Labelbox's two forms, drawn from a seeded generator: the same seed gives
the same ids."""

from __future__ import annotations

import random
import uuid

_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"


def uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def cuid(rng: random.Random) -> str:
    return "c" + "".join(rng.choice(_ALNUM) for _ in range(24))
