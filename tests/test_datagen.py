"""datagen.generate_users: the PRD's samples first, then the prefix's ids, the same for a seed."""
from __future__ import annotations

from cgcompile.datagen import PRD_SAMPLE_USERS, generate_users


def test_the_samples_come_first_and_count_toward_the_total():
    ids = [u[0] for u in generate_users(5, seed=1)]
    assert ids == ["CK7186246", "USER4188152", "CUST3267595", "GEN3", "GEN4"]


def test_without_samples_every_user_gets_the_prefix():
    assert [u[0] for u in generate_users(4, seed=1, prefix="NEW", samples=())] == ["NEW0", "NEW1", "NEW2", "NEW3"]


def test_only_the_samples_given_are_added():
    rows = list(generate_users(3, seed=1, samples=PRD_SAMPLE_USERS[2:]))
    assert [u[0] for u in rows] == ["CUST3267595", "GEN1", "GEN2"]
    assert rows[0][1:] == ("10000.00", "5000.00", "2000.00", "1000.00", "3000.00", "22000.00")
