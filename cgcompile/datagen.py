"""Realistic users for the demo, the tests and the benchmarks.

The mix follows ../shared/reference/card-terms.md (monthly ₹):

  segment  share  amazon     flipkart    myntra    ajio      grocery    confirmed
  high     15%    50k–2L     30k–1.5L    5k–30k    3k–20k    10k–50k    1L–5L
  medium   35%    10k–50k    5k–30k      1k–10k    500–5k    3k–15k     20k–1L
  low      50%    1k–10k     500–5k      0–2k      0–1k      500–5k     2k–20k

About 10% of users have no Myntra spend; confirmed GMV is drawn on its own, so
it can be below the sum of the categories (other online spend is then 0).
A seed gives the same users on every machine.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Iterator, Sequence

# The PRD's three sample users (3.1), always first in a demo dataset.
PRD_SAMPLE_USERS: tuple[tuple[str, int, int, int, int, int, int], ...] = (
    ("CK7186246", 50000, 30000, 10000, 5000, 15000, 120000),
    ("USER4188152", 120000, 20000, 5000, 2000, 8000, 160000),
    ("CUST3267595", 10000, 5000, 2000, 1000, 3000, 22000),
)

COLUMNS = (
    "user_id",
    "avg_amazon_gmv",
    "avg_flipkart_gmv",
    "avg_myntra_gmv",
    "avg_ajio_gmv",
    "avg_grocery_gmv",
    "avg_confirmed_gmv",
)


@dataclass(frozen=True)
class Segment:
    name: str
    share: float
    amazon: tuple[int, int]
    flipkart: tuple[int, int]
    myntra: tuple[int, int]
    ajio: tuple[int, int]
    grocery: tuple[int, int]
    confirmed: tuple[int, int]


SEGMENTS = (
    Segment("high", 0.15, (50_000, 200_000), (30_000, 150_000), (5_000, 30_000), (3_000, 20_000), (10_000, 50_000), (100_000, 500_000)),
    Segment("medium", 0.35, (10_000, 50_000), (5_000, 30_000), (1_000, 10_000), (500, 5_000), (3_000, 15_000), (20_000, 100_000)),
    Segment("low", 0.50, (1_000, 10_000), (500, 5_000), (0, 2_000), (0, 1_000), (500, 5_000), (2_000, 20_000)),
)
NO_MYNTRA_SHARE = 0.10


def _amount(rng: random.Random, bounds: tuple[int, int]) -> str:
    """A rupee amount with paise, as text: exact, and cheap to bulk-load."""
    low, high = bounds
    paise = rng.randint(low * 100, high * 100)
    return f"{paise // 100}.{paise % 100:02d}"


def generate_users(
    count: int, seed: int = 42, prefix: str = "GEN", samples: Sequence[tuple] = PRD_SAMPLE_USERS
) -> Iterator[tuple[str, ...]]:
    """`count` users as text tuples in COLUMNS order; `samples` (the PRD's) first, then `prefix` ids numbered on."""
    rng = random.Random(seed)
    samples = samples[: max(0, min(count, len(samples)))]
    for user_id, *spend in samples:
        yield (user_id, *(f"{v}.00" for v in spend))
    width = len(str(count))
    thresholds = []
    total = 0.0
    for segment in SEGMENTS:
        total += segment.share
        thresholds.append((total, segment))
    for n in range(len(samples), count):
        pick = rng.random()
        segment = next(s for t, s in thresholds if pick < t) if pick < total else SEGMENTS[-1]
        myntra = "0.00" if rng.random() < NO_MYNTRA_SHARE else _amount(rng, segment.myntra)
        yield (
            f"{prefix}{n:0{width}d}",
            _amount(rng, segment.amazon),
            _amount(rng, segment.flipkart),
            myntra,
            _amount(rng, segment.ajio),
            _amount(rng, segment.grocery),
            _amount(rng, segment.confirmed),
        )
