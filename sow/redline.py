"""Word-level redlines between two frozen versions, section by section."""

import difflib
import html
import re

from .templating import plain_text

TOKEN = re.compile(r"\s+|[\w’'-]+|[^\w\s]", re.UNICODE)


def _tokens(fragment):
    return TOKEN.findall(" ".join(plain_text(fragment).split()))


def diff_words(old, new):
    """(inline_html, old_html, new_html, changed) for two HTML fragments."""
    a, b = _tokens(old), _tokens(new)
    inline, left, right = [], [], []
    changed = False
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        removed = html.escape("".join(a[i1:i2]))
        added = html.escape("".join(b[j1:j2]))
        if op == "equal":
            inline.append(removed)
            left.append(removed)
            right.append(added)
            continue
        changed = True
        if removed:
            inline.append(f"<del>{removed}</del>")
            left.append(f"<del>{removed}</del>")
        if added:
            inline.append(f"<ins>{added}</ins>")
            right.append(f"<ins>{added}</ins>")
    return "".join(inline), "".join(left), "".join(right), changed


def _key(section):
    return section["key"]


def redline(old_source, new_source):
    """Per-section comparison of two versions' source structures.

    Sections match by clause key (or schedule). Returns a list of dicts with heading,
    status (same, changed, added, removed), inline, left and right HTML.
    """
    old = {_key(s): s for s in old_source["sections"]}
    new_keys = [_key(s) for s in new_source["sections"]]
    rows = []
    for s in new_source["sections"]:
        before = old.get(_key(s))
        if before is None:
            inline, _, right, _ = diff_words("", s["html"])
            rows.append({"heading": s["heading"], "status": "added", "inline": inline,
                         "left": "", "right": right})
            continue
        inline, left, right, changed = diff_words(before["html"], s["html"])
        rows.append({"heading": s["heading"], "status": "changed" if changed else "same",
                     "inline": inline, "left": left, "right": right,
                     "version_change": (before.get("clause_version_number"),
                                        s.get("clause_version_number"))})
    for s in old_source["sections"]:
        if _key(s) not in new_keys:
            inline, left, _, _ = diff_words(s["html"], "")
            rows.append({"heading": s["heading"], "status": "removed", "inline": inline,
                         "left": left, "right": ""})
    return rows
