"""Marking the phrases the SOW check quotes inside a section's (sanitised) HTML.

The HTML is split into tags and text; each quote is looked for in the text pieces (entities
decoded, whitespace loose) and wrapped in <mark>. A quote that spans tags is not marked (its
finding still names the section and quotes it)."""

import html
import re

TAG = re.compile(r"(<[^>]+>)")


def _pattern(quote):
    words = quote.split()
    return re.compile(r"\s+".join(re.escape(w) for w in words)) if words else None


def highlight(fragment, marks):
    """`marks`: [(quote, css class, element id, title)], in the order the quotes appear; each
    is marked once, at the first occurrence not marked already (the same phrase quoted twice
    marks its first and its second occurrence)."""
    pieces = TAG.split(fragment)
    for quote, css, element_id, title in marks:
        pattern = _pattern(quote)
        if pattern is None:
            continue
        for i, piece in enumerate(pieces):
            if i % 2 or not piece or (i and pieces[i - 1].startswith("<mark ")):
                continue  # a tag, or text already marked
            text = html.unescape(piece)
            m = pattern.search(text)
            if not m:
                continue
            before, found, after = text[:m.start()], m.group(0), text[m.end():]
            pieces[i] = (f"{html.escape(before, quote=False)}<mark class=\"{css}\" "
                         f"id=\"{element_id}\" title=\"{html.escape(title)}\">"
                         f"{html.escape(found, quote=False)}</mark>"
                         f"{html.escape(after, quote=False)}")
            # The new piece holds a tag now: split it so later quotes skip the mark itself.
            pieces[i:i + 1] = TAG.split(pieces[i])
            break
    return "".join(pieces)
