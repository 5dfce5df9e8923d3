"""Where each term of a card comes from, and how sure the catalog is of it.

A card file may name its sources once and cite them per term (docs/rules.md,
"Sources and confidence"):

    sources:
      sbi_mitc: {url: https://www.sbicard.com/..., checked: 2026-12-02, issuer: true}
      monzy: {url: https://blog.monzy.co/..., checked: 2026-12-02}
    fees: {joining: 999, annual: 999, source: sbi_mitc}
    rules:
      - kind: flat
        source: [monzy, thebanktoday]

A term is a fee block, a rule, a named cap or a redemption option.  One that
cites nothing is backed by the card's `source:` (its summary source).  A term
is `verified` when an issuer's own page backs it or two sources agree,
`single_source` when one other source does, `unverified` when it cites
`source: none`.  A card is as sure as its least sure term.  Read alongside the
card (loader.CardReader), kept apart from the rule model: nothing here changes
a figure.
"""
from __future__ import annotations

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import did_you_mean
from .model import Provenance, SourceRef, Term
from .yamlpos import Doc, join

SOURCE_KEYS = ("url", "checked", "issuer", "note")
NONE = "none"  # `source: none`: nobody public confirms this term


def read(doc: Doc, root: Node, summary: SourceRef | None) -> Provenance | None:
    """The card's terms and their sources; problems go to `doc` (file:line:col)."""
    sources = _read_sources(doc, _value(root, "sources"), "sources")
    if sources is None:
        return None
    terms = []
    for path, node in _term_nodes(root):
        cited = _read_citation(doc, _value(node, "source"), join(path, "source"), sources)
        if cited is None:
            continue
        inherited = cited == ()
        if inherited:
            cited = (summary,) if summary else ()
        terms.append(Term(path, tuple(s for s in cited if s is not None), inherited))
    return Provenance(tuple(terms))


def _value(node: Node | None, key: str) -> Node | None:
    if not isinstance(node, MappingNode):
        return None
    return next((v for k, v in node.value if isinstance(k, ScalarNode) and k.value == key), None)


def _term_nodes(root: Node):
    fees = _value(root, "fees")
    if fees is not None:
        yield "fees", fees
    for section in ("rules", "redemption"):
        node = _value(root, section)
        if isinstance(node, SequenceNode):
            for i, item in enumerate(node.value):
                yield f"{section}[{i}]", item
    caps = _value(root, "caps")
    if isinstance(caps, MappingNode):
        for key, value in caps.value:
            yield f"caps.{key.value}", value


def _read_sources(doc: Doc, node: Node | None, path: str) -> dict[str, SourceRef] | None:
    if node is None:
        return {}
    pairs = doc.pairs(node, path)
    if pairs is None:
        return None
    out: dict[str, SourceRef] = {}
    ok = True
    for field in pairs:
        key, where = field.key.value, join(path, field.key.value)
        f = doc.fields(field.value, where, SOURCE_KEYS, ("url", "checked"))
        if f is None:
            ok = False
            continue
        url = doc.text(f["url"].value, join(where, "url")) if "url" in f else None
        if url is not None and not url.startswith(("https://", "http://")):
            doc.error(f["url"].value, join(where, "url"), f"expected a web address (https://...), got '{url}'")
            url = None
        checked = doc.date(f["checked"].value, join(where, "checked")) if "checked" in f else None
        issuer = doc.boolean(f["issuer"].value, join(where, "issuer")) if "issuer" in f else False
        if key == NONE:
            doc.error(field.key, where, f"'{NONE}' is kept for `source: none` (no public source); name this source otherwise")
            ok = False
        elif url is None or checked is None or issuer is None:
            ok = False
        else:
            out[key] = SourceRef(key, url, checked, issuer)
    return out if ok else None


def _read_citation(doc: Doc, node: Node | None, path: str, sources: dict[str, SourceRef]):
    """() when the term cites nothing, the cited sources, or None after a problem."""
    if node is None:
        return ()
    if isinstance(node, ScalarNode) and node.value == NONE:
        return (None,)
    names = [node] if isinstance(node, ScalarNode) else list(node.value) if isinstance(node, SequenceNode) else []
    if not names or not all(isinstance(n, ScalarNode) for n in names):
        doc.error(node, path, "expected a source name, a list of them, or none")
        return None
    out = []
    for n in names:
        if n.value not in sources:
            known = sorted(sources)
            doc.error(n, path, f"unknown source '{n.value}'{did_you_mean(n.value, known)}"
                      + ("" if known else " (declare it under the card's sources:)"))
            return None
        out.append(sources[n.value])
    return tuple(out)
