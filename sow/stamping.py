"""Variant marks stamped onto a contract laid out once (pypdf, no second layout).

A frozen version is laid out once (the "layout"), without the marks drawn on every page: by
its first variant, with that variant's own cover, contents and record of approval, which is
then only stamped (`ends=None`). A later variant is made from the same layout:
- the draft watermark and the running status line ("DRAFT — not approved", "Approved") are
  small one-page WeasyPrint stamps whose drawing operators are spliced into every page's
  content stream where WeasyPrint itself would have drawn them (the watermark first, the
  status before the last footer box), so the stamped page looks the same and its text
  extracts in the same order as a page laid out with the marks;
- the pages whose content depends on the variant (the cover, with its status row, and the
  record of approval, with the approvals) and the contents (whose page numbers are only
  known once the layout is done: the layout has none, so WeasyPrint never lays a page out
  twice for a target-counter) are laid out on their own, and their content replaces the
  layout's; the page objects stay, so outlines and links keep pointing at them.

Everything here is checked before it is used: when the layout does not have the expected
shape, `StampRefused` says why and the caller lays the variant out in full instead.
"""

import io
import re

from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, IndirectObject, NameObject

# WeasyPrint 70 opens every page with the y flip and the px-to-pt scale; the marks are drawn
# inside that scale, so they are spliced in at the same depth.
PREFIX = re.compile(rb"\A1 0 0 -1 0 [0-9.]+ cm\nq\n0\.75 0 0 0\.75 0 0 cm\n")


class StampRefused(Exception):
    """The layout or a stamp does not have the shape the splice relies on."""


def _inner(page):
    """A WeasyPrint page's drawing operators inside the scale, and its prefix."""
    data = page.get_contents().get_data()
    match = PREFIX.match(data)
    if match is None or not data.rstrip().endswith(b"Q"):
        raise StampRefused("the page does not start with WeasyPrint's page transform")
    return match.group(0), data[match.end():data.rstrip().rfind(b"Q")]


def _splice(writer, stamp_page, tag):
    """The stamp page's drawing operators, with its fonts and graphics states renamed to names
    of our own, and those resources cloned into `writer`: {category: {name: object}}.

    The operators go into the page's own content stream rather than a form XObject: text
    extraction (pypdf and others) breaks the line around a form, so a stamped status line
    would no longer extract on the same line as its page number."""
    _prefix, ops = _inner(stamp_page)
    resources = stamp_page["/Resources"].get_object()
    # WeasyPrint lists its Lab colour spaces on every page; a stamp drawn in RGB never uses them.
    carried = ("/Font", "/ExtGState", "/ProcSet") if re.search(rb"\b(cs|CS)\b", ops) else (
        "/Font", "/ExtGState", "/ProcSet", "/ColorSpace")
    extra = {category for category, value in resources.items()
             if category not in carried and value.get_object()}
    if extra:
        raise StampRefused(f"the stamp uses resources it cannot carry: {sorted(extra)}")
    names, merged = {}, {}
    for category, operator in (("/Font", b"Tf"), ("/ExtGState", b"gs")):
        for index, (name, value) in enumerate(resources.get(category, {}).get_object().items()):
            new = f"/Offramp{tag}{category[1]}{index}"
            names[(name.encode(), operator)] = new.encode()
            merged.setdefault(category, {})[new] = value.clone(writer)

    def rename(match):
        return names.get((match.group(1), match.group(3)), match.group(1)) + match.group(2) \
            + match.group(3)

    ops = re.sub(rb"(/[^\s/\[\]()<>{}%]+)(\s+(?:[-0-9.]+\s+)?)(Tf|gs)\b", rename, ops)
    return ops, merged


def _last_box_start(ops):
    """Where the page's last margin box (the "Page N of M" footer) starts."""
    text = ops.rfind(b"\nBT\n")
    start = ops.rfind(b"q\nq\n", 0, text)
    if text < 0 or start < 0 or b" cm\n" in ops[start:text]:
        raise StampRefused("the page's footer is not where the stamp expects it")
    return start


def _set_contents(writer, page, data):
    old = page.raw_get("/Contents")
    if isinstance(old, IndirectObject):
        # The replaced stream would otherwise still be written, unused, into the file.
        writer._objects[old.idnum - 1] = None
    stream = DecodedStreamObject()
    stream.set_data(data)
    page[NameObject("/Contents")] = writer._add_object(stream.flate_encode())


def stamp(layout, *, status, watermark, ends, body_starts):
    """The variant's PDF bytes: `layout` with the status stamp on every page, the watermark
    stamp (or None) under every page, and its first `body_starts` pages (the cover and the
    contents) and its last (the record of approval) taken from `ends`, the variant's own
    layout of those pages. With `ends=None` nothing is replaced: the layout is the variant's
    own (its cover, contents and record), and every page is stamped."""
    writer = PdfWriter(clone_from=io.BytesIO(layout))
    replaced = {}
    if ends is not None:
        ends_reader = PdfReader(io.BytesIO(ends))
        last = len(writer.pages) - 1
        if len(ends_reader.pages) != body_starts + 1 or last <= body_starts:
            raise StampRefused("the cover, contents and record of approval do not fill the "
                               "pages they fill in the layout")
        replaced = {index: index for index in range(body_starts)} | {last: body_starts}
    status_ops, status_res = _splice(writer, PdfReader(io.BytesIO(status)).pages[0], "S")
    watermark_ops, watermark_res = (
        _splice(writer, PdfReader(io.BytesIO(watermark)).pages[0], "W") if watermark
        else (b"", {}))
    for index, page in enumerate(writer.pages):
        if index in replaced:
            source = ends_reader.pages[replaced[index]]
            _inner(source)  # the same shape, or refuse
            page[NameObject("/Resources")] = source["/Resources"].get_object().clone(writer)
            _set_contents(writer, page, source.get_contents().get_data())
            continue
        prefix, ops = _inner(page)
        resources = page["/Resources"].get_object()
        for category, items in (*status_res.items(), *watermark_res.items()):
            if category not in resources:
                resources[NameObject(category)] = DictionaryObject()
            target = resources[category].get_object()
            for name, value in items.items():
                target[NameObject(name)] = value
        cut = _last_box_start(ops)
        # Where WeasyPrint draws them: the watermark (z-index -1) before everything, the
        # status (bottom-left) just before the page number (bottom-right).
        _set_contents(writer, page, prefix + watermark_ops + ops[:cut] + status_ops
                      + ops[cut:] + b"Q\n")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
