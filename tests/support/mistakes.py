"""Compiler mistakes the proofs must catch (a test that cannot fail is a defect)."""
from __future__ import annotations

import dataclasses


def quarterly_caps_per_year(real_resolve):
    """A compiler mistake: a quarterly ceiling taken once a year instead of four times."""
    calls = []

    def wrong(*args, **kwargs):
        calls.append(1)
        out = []
        for rc in real_resolve(*args, **kwargs):
            pools = []
            for pool in rc.pools:
                cap = rc.earn[pool.members[0]].rule.cap
                if cap.pool is not None:
                    cap = dict(rc.card.caps)[cap.pool]
                if cap.period == "quarter":
                    pool = dataclasses.replace(pool, yearly_amount=cap.amount)
                pools.append(pool)
            out.append(dataclasses.replace(rc, pools=tuple(pools)))
        return tuple(out)

    return wrong, calls
