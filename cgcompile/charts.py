"""Charts as inline SVG for the HTML pages of `report` and `impact`.

matplotlib draws them on the machine that runs the command, so the page needs
no script library and no network to open; each bar or line a chart draws carries
an id starting `mark-`, which the page's self-check (page.py) and the browser
test count.
"""
from __future__ import annotations

import io
import itertools

import matplotlib

matplotlib.use("svg")

import matplotlib.pyplot as plt  # noqa: E402

# Ids stay unique across the charts of one page.
_marks = itertools.count()
BLUE, ORANGE, GREY = "#2f6db5", "#e07b39", "#9aa5b1"


def _svg(fig) -> str:
    out = io.StringIO()
    # A fixed hashsalt and no date keep the page the same for the same figures.
    fig.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = out.getvalue()
    return text[text.index("<svg"):]


def _figure(width: float = 7.0, height: float = 3.2):
    plt.rcParams["svg.hashsalt"] = "cgcompile"
    fig, ax = plt.subplots(figsize=(width, height))
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _mark(artists) -> None:
    for a in artists:
        a.set_gid(f"mark-{next(_marks)}")


def bars(labels: list[str], values: list[float], ylabel: str, color: str = BLUE, value_format: str = "{:,.0f}") -> str:
    fig, ax = _figure()
    drawn = ax.bar(range(len(values)), values, color=color)
    _mark(drawn)
    ax.set_xticks(range(len(labels)), labels, rotation=30 if max(map(len, labels), default=0) > 8 else 0, ha="right")
    ax.set_ylabel(ylabel)
    ax.bar_label(drawn, [value_format.format(v) for v in values], fontsize=8)
    return _svg(fig)


def hbars(labels: list[str], values: list[float], xlabel: str, color: str = BLUE, value_format: str = "{:,.0f}") -> str:
    fig, ax = _figure(7.0, max(2.0, 0.32 * len(labels) + 0.8))
    drawn = ax.barh(range(len(values)), values, color=color)
    _mark(drawn)
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.bar_label(drawn, [value_format.format(v) for v in values], fontsize=8, padding=2)
    return _svg(fig)


def paired(labels: list[str], before: list[float], after: list[float], names: tuple[str, str], ylabel: str) -> str:
    fig, ax = _figure()
    x = range(len(labels))
    _mark(ax.bar([i - 0.2 for i in x], before, width=0.4, color=GREY, label=names[0]))
    _mark(ax.bar([i + 0.2 for i in x], after, width=0.4, color=BLUE, label=names[1]))
    ax.set_xticks(list(x), labels, rotation=30 if max(map(len, labels), default=0) > 8 else 0, ha="right")
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, fontsize=8)
    return _svg(fig)


def history(labels: list[str], users: list[float], rate: list[float]) -> str:
    """Users per batch (bars) and throughput (line, right axis)."""
    fig, ax = _figure()
    _mark(ax.bar(range(len(users)), users, color=BLUE, label="users"))
    ax.set_ylabel("users in the batch")
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=7)
    right = ax.twinx()
    _mark(right.plot(range(len(rate)), rate, color=ORANGE, marker="o", label="users / min"))
    right.set_ylabel("users per minute")
    right.spines[["top"]].set_visible(False)
    return _svg(fig)
