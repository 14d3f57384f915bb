"""Reading a vendor's SOW (DOCX, PDF with a text layer, or pasted text/Markdown) into sections.

Pure: bytes or text in, `ParsedDocument` out, or `ImportRefused` with a message that says what
to do instead. Nothing is fetched (external links and linked objects are dropped and counted),
nothing is executed (a document with macros is refused), and every limit is checked before
the expensive step: upload size, unpacked size, pages, sections, text per section.

Sections start at headings: Word's heading styles, numbered headings ("4.", "4.2", "Section 4",
"Article IV"), Markdown "#" lines, short lines in capitals, and in a PDF lines set larger or
bold than the body. Each keeps the original's number and gets a category guessed from its
heading (where the check's fixing clauses will be inserted).
"""

import io
import re
import statistics
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from common.errors import DomainError

MAX_UPLOAD = 10 * 1024 * 1024
MAX_UNPACKED = 60 * 1024 * 1024
MAX_PAGES = 300
MAX_SECTIONS = 200
MAX_SECTION_TEXT = 50_000
MAX_TITLE = 200

NUMBERED = re.compile(
    r"^(?:(?:section|article|clause|schedule|part)\s+)?"
    r"(?P<num>\d{1,3}(?:\.\d{1,3}){0,3}|[IVXL]{1,6}(?=[.):]|\s))[.):]?\s+(?P<title>\S.*)$", re.I)
MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
BULLET = re.compile(r"^\s*(?:[-*•◦▪]|\(\w{1,3}\)|\w\))\s+")
PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?\s*$", re.I)
BIDI_AND_ZERO_WIDTH = {0x061C, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF,
                       *range(0x202A, 0x202F), *range(0x2066, 0x206A)}


class ImportRefused(DomainError):
    def __init__(self, message):
        super().__init__(message, rule="import_refused", field="file")


@dataclass
class Block:
    kind: str            # "heading" or "text"
    text: str
    number: str = ""


@dataclass
class ImportedSection:
    number: str
    title: str
    text: str


@dataclass
class ParsedDocument:
    title: str
    sections: list
    notes: list = field(default_factory=list)
    kind: str = ""
    # True when the title came from the file's own metadata (a heading does not replace it).
    title_given: bool = False


class _Cleaner:
    """Sanitises imported text: line-break characters become newlines; control, bidirectional
    and zero-width characters are removed and counted (they hide or reorder what people read)."""

    def __init__(self):
        self.removed = 0

    def __call__(self, text):
        text = unicodedata.normalize("NFC", text.replace("\r\n", "\n"))
        text = re.sub(r"[\r\x0b\x0c\u2028\u2029]", "\n", text).replace("\t", " ")
        out = []
        for ch in text:
            if ch != "\n" and (ord(ch) in BIDI_AND_ZERO_WIDTH or unicodedata.category(ch)
                               in ("Cc", "Cs", "Co")):
                self.removed += 1
                continue
            out.append(ch)
        return "".join(out)


def clean_title(text):
    """A title from the file's metadata or name: cleaned like text, one line, bounded."""
    return " ".join(_Cleaner()(text or "").split())[:MAX_TITLE]


def _heading_parts(text):
    m = NUMBERED.match(text)
    if m:
        return m.group("num").rstrip("."), m.group("title").strip()
    return "", text.strip()


def _looks_like_heading(text):
    """A short line that names something rather than says it."""
    text = text.strip()
    if not text or len(text) > 90 or text.endswith((".", ";", ",", ":")) and not \
            re.match(r"^\d+(\.\d+)*\.$", text.split()[0]):
        return False
    num, title = _heading_parts(text)
    words = title.split()
    if num and 0 < len(words) <= 10 and title[:1].isupper() and not title.endswith("."):
        return True
    letters = [c for c in title if c.isalpha()]
    return bool(letters) and len(words) <= 8 and all(c.isupper() for c in letters) and \
        len(letters) >= 4


def _short_title(text):
    text = text.strip()
    return 0 < len(text) <= 90 and len(text.split()) <= 12 and not text.endswith(
        (".", ";", ",", ":")) and text[:1].isupper()


def _sections(blocks, clean):
    """Group blocks into sections at headings; text before the first heading is a preamble."""
    sections, current = [], None
    for b in blocks:
        text = clean(b.text).strip()
        if not text:
            continue
        if b.kind == "heading":
            number = b.number
            title = text
            if not number:
                number, title = _heading_parts(text)
            current = ImportedSection(number[:20], title[:MAX_TITLE], "")
            sections.append(current)
        else:
            if current is None:
                current = ImportedSection("", "Preamble", "")
                sections.append(current)
            current.text = f"{current.text}\n\n{text}" if current.text else text
    # A heading with nothing under it that only introduces numbered sub-headings ("4. Fees"
    # then "4.1 …") is structure, not content: its number lives on in its children's.
    kept = []
    for i, s in enumerate(sections):
        nxt = sections[i + 1] if i + 1 < len(sections) else None
        if not s.text and s.number and nxt and nxt.number.startswith(s.number + "."):
            continue
        kept.append(s)
    return kept


def _check_limits(doc):
    first = doc.sections[0] if doc.sections else None
    if first and len(doc.sections) > 1 and not first.text and not first.number:
        # An empty first heading is the document's title, not a section.
        doc.sections.pop(0)
        if not doc.title_given:
            doc.title = first.title
    if not doc.sections:
        raise ImportRefused("No text was found to import. If this is a scan, export it from "
                            "the source document or paste the text.")
    if len(doc.sections) > MAX_SECTIONS:
        raise ImportRefused(f"The document splits into {len(doc.sections)} sections; a SOW "
                            f"holds at most {MAX_SECTIONS}. Import it in parts.")
    for s in doc.sections:
        if len(s.text) > MAX_SECTION_TEXT:
            raise ImportRefused(f"Section “{s.title}” is {len(s.text):,} characters long; a "
                                f"section holds at most {MAX_SECTION_TEXT:,}. Check that the "
                                "document has headings, or split it.")
    return doc


# --- pasted text and Markdown ----------------------------------------------------------------

def parse_text(text, title=""):
    clean = _Cleaner()
    blocks, para = [], []

    def flush():
        if para:
            blocks.append(Block("text", "\n".join(_join_lines(para))))
            para.clear()

    for raw in text.splitlines():
        line = re.sub(r"(\*\*|__)(.+?)\1", r"\2", raw.rstrip())
        md = MARKDOWN_HEADING.match(line.strip())
        if md:
            flush()
            blocks.append(Block("heading", md.group(2)))
        elif not line.strip():
            flush()
        elif not para and _looks_like_heading(line):
            flush()
            blocks.append(Block("heading", line.strip()))
        else:
            para.append(BULLET.sub("- ", line.strip()) if BULLET.match(line) else line.strip())
    flush()
    doc = ParsedDocument(title or "Imported SOW", _sections(blocks, clean), kind="text")
    _note_removed(doc, clean)
    return _check_limits(doc)


def _note_removed(doc, clean):
    if clean.removed:
        doc.notes.append(f"Removed {clean.removed} invisible or control character"
                         f"{'s' if clean.removed != 1 else ''} (they can hide or reorder text).")


# --- DOCX --------------------------------------------------------------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _inspect_docx_zip(data):
    """Refuse macros, zip bombs and broken files; count external relationships (dropped)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportRefused("This file is not a readable Word document (.docx): it may be "
                            "damaged. Open it in Word, save it again as .docx, or paste the "
                            "text.") from exc
    if sum(i.file_size for i in infos) > MAX_UNPACKED:
        raise ImportRefused(f"This document unpacks to more than {MAX_UNPACKED // 2**20} MB; "
                            "that is not a SOW. Save a copy without embedded media, or paste "
                            "the text.")
    try:
        return _inspect_members(zf, infos)
    except ImportRefused:
        raise
    except Exception as exc:  # damaged entries: bad CRC, unknown compression, encryption
        raise ImportRefused("This file is not a readable Word document (.docx): it may be "
                            "damaged. Open it in Word, save it again as .docx, or paste the "
                            "text.") from exc


def _inspect_members(zf, infos):
    names = {i.filename for i in infos}
    if "word/document.xml" not in names:
        raise ImportRefused("This file is not a Word document (.docx): it has no document "
                            "body. Save it as .docx, or paste the text.")
    content_types = zf.read("[Content_Types].xml").decode("utf-8", "replace") \
        if "[Content_Types].xml" in names else ""
    if any(n.lower().endswith("vbaproject.bin") for n in names) or "macroEnabled" in \
            content_types:
        raise ImportRefused("This document contains macros, and Offramp does not import "
                            "documents with macros. Save it as a plain .docx (Word: File › "
                            "Save As › Word Document) and upload that, or paste the text.")
    external = {}
    for name in names:
        if not name.endswith(".rels"):
            continue
        xml = zf.read(name).decode("utf-8", "replace")
        for m in re.finditer(r"<Relationship\b[^>]*>", xml):
            tag = m.group(0)
            if 'TargetMode="External"' in tag:
                kind = re.search(r'Type="[^"]*/([^/"]+)"', tag)
                kind = kind.group(1) if kind else "link"
                external[kind] = external.get(kind, 0) + 1
    return external


MAX_PARAGRAPHS = 20_000


def _styles(document):
    """styleId -> (name, numbered): read once, with numbering inherited through basedOn."""
    raw = {}
    for st in document.styles.element.iter(f"{W}style"):
        sid = st.get(f"{W}styleId")
        name = st.find(f"{W}name")
        based = st.find(f"{W}basedOn")
        raw[sid] = ((name.get(f"{W}val") if name is not None else sid) or "",
                    _num_pr(st) is not None, based.get(f"{W}val") if based is not None else None)
    out = {}
    for sid, (name, numbered, based) in raw.items():
        seen, parent = {sid}, based
        while not numbered and parent in raw and parent not in seen:
            seen.add(parent)
            numbered, parent = raw[parent][1], raw[parent][2]
        out[sid] = (name, numbered)
    return out


def _paragraph_text(p):
    """Everything the paragraph says, wherever Word nests it (runs inside insertions, content
    controls, smart tags, fields, hyperlinks); deleted text (w:delText) is left out."""
    parts = []
    for el in p.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr", f"{W}delText"):
        if el.tag == f"{W}t":
            parts.append(el.text or "")
        elif el.tag in (f"{W}tab",):
            parts.append(" ")
        elif el.tag in (f"{W}br", f"{W}cr"):
            parts.append("\n")
    return "".join(parts).strip()


def _body_items(parent):
    """Paragraphs and tables in document order, looking inside content controls and custom
    XML wrappers at body level."""
    for child in parent.iterchildren():
        tag = child.tag
        if tag in (f"{W}p", f"{W}tbl"):
            yield child
        elif tag in (f"{W}sdt", f"{W}customXml", f"{W}sdtContent", f"{W}ins"):
            yield from _body_items(child.find(f"{W}sdtContent") if tag == f"{W}sdt"
                                   and child.find(f"{W}sdtContent") is not None else child)


def _docx_blocks(document, stats):
    styles = _styles(document)
    counters, count = {}, 0
    body = document.element.body
    stats["tracked"] = bool(body.find(f".//{W}ins") is not None
                            or body.find(f".//{W}del") is not None)
    for el in _body_items(body):
        count += 1
        if count > MAX_PARAGRAPHS:
            raise ImportRefused(f"This document has more than {MAX_PARAGRAPHS:,} paragraphs; "
                                "that is not a SOW. Split it, or paste the text.")
        if el.tag == f"{W}tbl":
            rows = []
            for tr in el.iter(f"{W}tr"):
                cells = []
                for tc in tr.iter(f"{W}tc"):
                    value = " ".join(" ".join(_paragraph_text(p) for p in tc.iter(f"{W}p")).split())
                    if not cells or cells[-1] != value:  # merged cells repeat
                        cells.append(value)
                if any(cells):
                    rows.append(" | ".join(cells))
            if rows:
                yield Block("text", "\n".join(rows))
            continue
        text = _paragraph_text(el)
        if not text:
            continue
        ppr = el.find(f"{W}pPr")
        style_el = ppr.find(f"{W}pStyle") if ppr is not None else None
        sid = style_el.get(f"{W}val") if style_el is not None else None
        style, style_numbered = styles.get(sid, (sid or "", False))
        numbered = _num_pr(el) is not None or style_numbered
        level = None
        m = re.match(r"(?:heading|titre|überschrift)\s*(\d)", style, re.I)
        if m:
            level = int(m.group(1))
        elif style.lower() == "title":
            level = 0
        elif _looks_like_heading(text) and _all_bold(el):
            level = 1
        if level is None and NUMBERED.match(text) and _looks_like_heading(text):
            level = 1
        if level is None:
            listed = "list" in style.lower() or _num_pr(el) is not None
            yield Block("text", ("- " if listed else "") + text)
            continue
        number = ""
        if numbered and not NUMBERED.match(text) and level > 0:
            counters[level] = counters.get(level, 0) + 1
            for deeper in [k for k in counters if k > level]:
                counters.pop(deeper)
            number = ".".join(str(counters.get(d, 1)) for d in range(1, level + 1))
        yield Block("heading", text, number)


def _all_bold(p):
    runs = [r for r in p.iter(f"{W}r") if "".join(t.text or "" for t in r.iter(f"{W}t")).strip()]
    if not runs:
        return False
    for r in runs:
        rpr = r.find(f"{W}rPr")
        b = rpr.find(f"{W}b") if rpr is not None else None
        if b is None or b.get(f"{W}val") in ("0", "false"):
            return False
    return True


def _num_pr(element):
    ppr = element.find(f"{W}pPr") if element is not None else None
    return ppr.find(f"{W}numPr") if ppr is not None else None


def parse_docx(data, filename=""):
    external = _inspect_docx_zip(data)
    import docx

    stats = {}
    document = docx.Document(io.BytesIO(data))
    title = clean_title((document.core_properties.title or "").strip())
    clean = _Cleaner()
    sections = _sections(list(_docx_blocks(document, stats)), clean)
    doc = ParsedDocument(title or clean_title(PurePath(filename).stem) or "Imported SOW",
                         sections, kind="docx", title_given=bool(title))
    if external:
        total = sum(external.values())
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(external.items()))
        doc.notes.append(f"Removed {total} external link{'s' if total != 1 else ''} ({kinds}): "
                         "nothing was fetched; the linked words are kept as plain text.")
    if stats.get("tracked"):
        doc.notes.append("The document has tracked changes: they were read as accepted "
                         "(insertions kept, deletions left out). Check them with the vendor.")
    _note_removed(doc, clean)
    return _check_limits(doc)


# --- PDF ---------------------------------------------------------------------------------------

def parse_pdf(data, filename=""):
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psparser import PSException

    encrypted = ImportRefused(
        "This PDF is encrypted (password-protected or restricted), and Offramp does not open "
        "encrypted files. Export an unprotected PDF from the source document, or paste the "
        "text.")
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if getattr(pdf.doc, "encryption", None):
                raise encrypted
            if len(pdf.pages) > MAX_PAGES:
                raise ImportRefused(f"This PDF has {len(pdf.pages)} pages; at most {MAX_PAGES} "
                                    "are imported. Split it, or paste the SOW's text.")
            pages = [page.extract_text_lines(return_chars=True) for page in pdf.pages]
            title = str((pdf.metadata or {}).get("Title") or "").strip()
    except ImportRefused:
        raise
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise encrypted from exc
    except Exception as exc:
        if isinstance(exc, PDFSyntaxError | PSException) or type(exc).__module__.startswith(
                ("pdfminer", "pdfplumber")) or isinstance(exc, ValueError | KeyError | TypeError):
            # pdfplumber wraps pdfminer's errors: look inside for the password one.
            inner = exc.args[0] if exc.args else None
            if isinstance(inner, PDFPasswordIncorrect | PDFEncryptionError) or any(
                    w in repr(exc).lower() for w in ("encrypt", "password", "crypt")):
                raise encrypted from exc
            raise ImportRefused("This file is not a readable PDF: it may be damaged. Export it "
                                "again from the source document, or paste the text.") from exc
        raise
    text_chars = sum(len(ln["text"].replace(" ", "")) for page in pages for ln in page)
    if text_chars < 40:
        raise ImportRefused("No text layer: this PDF holds only images of pages (a scan, "
                            "perhaps). Export it from the source document or paste the text.")
    clean = _Cleaner()
    title = clean_title(title)
    doc = ParsedDocument(title or clean_title(PurePath(filename).stem) or "Imported SOW",
                         _sections(list(_pdf_blocks(pages)), clean), kind="pdf",
                         title_given=bool(title))
    _note_removed(doc, clean)
    return _check_limits(doc)


def _pdf_blocks(pages):
    sizes = [c["size"] for page in pages for ln in page for c in ln.get("chars", [])
             if c.get("text", "").strip()]
    body = statistics.median(sizes) if sizes else 10
    # Running headers and footers: the same line on most pages (digits ignored).
    seen = {}
    for page in pages:
        for key in {re.sub(r"\d+", "#", ln["text"].strip()) for ln in page}:
            seen[key] = seen.get(key, 0) + 1
    running = {k for k, n in seen.items() if len(pages) >= 3 and n >= 0.6 * len(pages)}
    para, last_bottom = [], None

    def flush():
        if para:
            yield Block("text", "\n".join(_join_lines(para)))
            para.clear()

    for page in pages:
        last_bottom = None
        for ln in page:
            text = ln["text"].strip()
            if not text or PAGE_NUMBER.match(text) or re.sub(r"\d+", "#", text) in running:
                continue
            chars = [c for c in ln.get("chars", []) if c.get("text", "").strip()]
            size = statistics.mean(c["size"] for c in chars) if chars else body
            bold = bool(chars) and all("bold" in (c.get("fontname") or "").lower()
                                       for c in chars)
            emphasised = size >= body * 1.12 or bold
            if _looks_like_heading(text) or (emphasised and _short_title(text)):
                yield from flush()
                yield Block("heading", text)
            else:
                gap = ln["top"] - last_bottom if last_bottom is not None else 0
                if para and gap > (ln["bottom"] - ln["top"]) * 0.9:
                    yield from flush()
                para.append(text)
            last_bottom = ln["bottom"]
    yield from flush()


def _join_lines(lines):
    """Rejoin a paragraph's wrapped lines; list items and numbered points start new lines."""
    out = []
    for line in lines:
        if out and not BULLET.match(line) and not NUMBERED.match(line):
            if out[-1].endswith("-") and not out[-1].endswith(" -"):
                out[-1] = out[-1][:-1] + line
            else:
                out[-1] = f"{out[-1]} {line}"
        else:
            out.append(BULLET.sub("- ", line) if BULLET.match(line) else line)
    return out


# --- isolation -------------------------------------------------------------------------------

PARSE_SECONDS = 30
PARSE_MEMORY = 1024 * 2**20
UNREADABLE = ("This file could not be read: it may be damaged or built to be hard to read. "
              "Export it again from the source document, or paste the text.")
TOO_HEAVY = ("This file needs too much memory or time to read (a compressed document that "
             "expands enormously, perhaps). Export it again from the source document, or "
             "paste the text.")


def _run_isolated(kind, filename, data):
    """In the child process (`python -m sow.importing KIND NAME`, bytes on stdin): cap memory
    and CPU, parse, print the result as JSON. A hostile file can exhaust this process, never
    the web worker."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (PARSE_MEMORY, PARSE_MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (PARSE_SECONDS, PARSE_SECONDS + 5))
    try:
        doc = (parse_pdf if kind == "pdf" else parse_docx)(data, filename)
        return {"ok": {"title": doc.title, "notes": doc.notes, "kind": doc.kind,
                       "title_given": doc.title_given,
                       "sections": [[s.number, s.title, s.text] for s in doc.sections]}}
    except ImportRefused as exc:
        return {"refused": exc.message}
    except MemoryError:
        return {"refused": TOO_HEAVY}
    except Exception as exc:  # anything else a malformed file provokes in a parser
        return {"refused": f"{UNREADABLE} ({type(exc).__name__})"}


def _isolated(kind, filename, data):
    """Parse a binary document in a child Python process, bounded in memory and time."""
    import json
    import os
    import subprocess
    import sys

    root = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    try:
        done = subprocess.run([sys.executable, "-m", "sow.importing", kind, filename or ""],
                              input=data, capture_output=True, timeout=PARSE_SECONDS,
                              env=env, cwd=root, check=False)
        result = json.loads(done.stdout.decode() or "{}")
    except subprocess.TimeoutExpired as exc:
        raise ImportRefused(TOO_HEAVY) from exc
    except ValueError as exc:  # no JSON: the child died (out of memory, CPU limit)
        raise ImportRefused(TOO_HEAVY) from exc
    if "refused" in result:
        raise ImportRefused(result["refused"])
    if "ok" not in result:
        raise ImportRefused(TOO_HEAVY)
    ok = result["ok"]
    return ParsedDocument(ok["title"], [ImportedSection(*s) for s in ok["sections"]],
                          ok["notes"], ok["kind"], ok["title_given"])


# --- entry point -------------------------------------------------------------------------------

def read_upload(upload):
    """The bytes of an uploaded file, refusing an oversized one before reading it."""
    if upload.size > MAX_UPLOAD:
        raise ImportRefused(f"This file is {upload.size / 2**20:.1f} MB; the limit is "
                            f"{MAX_UPLOAD // 2**20} MB. Save a copy without images, or paste "
                            "the text.")
    return upload.read(MAX_UPLOAD + 1)


def parse_upload(filename, data):
    """Pick the reader from the file's content (and name), never from the browser's word."""
    name = (filename or "").lower()
    if len(data) > MAX_UPLOAD:
        raise ImportRefused(f"This file is {len(data) / 2**20:.1f} MB; the limit is "
                            f"{MAX_UPLOAD // 2**20} MB. Save a copy without images, or paste "
                            "the text.")
    if not data:
        raise ImportRefused("The file is empty.")
    if data.startswith(b"%PDF-"):
        return _isolated("pdf", filename, data)
    if data.startswith(b"PK\x03\x04"):
        if name.endswith((".docm", ".dotm")):
            raise ImportRefused("This document is macro-enabled (.docm), and Offramp does not "
                                "import documents with macros. Save it as a plain .docx, or "
                                "paste the text.")
        return _isolated("docx", filename, data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRefused("This is an old Word document (.doc) or another binary Office "
                            "file. Save it as .docx (or export a PDF) and upload that.")
    if name.endswith((".pdf",)):
        raise ImportRefused("This file is named .pdf but is not a readable PDF: it may be "
                            "damaged. Export it again, or paste the text.")
    if name.endswith((".docx", ".docm")):
        raise ImportRefused("This file is named .docx but is not a readable Word document: it "
                            "may be damaged. Save it again as .docx, or paste the text.")
    if name.endswith((".txt", ".md", ".markdown", ".text")) or not name:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportRefused("This text file is not UTF-8 text. Save it as UTF-8, or paste "
                                "the text.") from exc
        if "\x00" in text:
            raise ImportRefused("This file is not text (it contains binary data).")
        return parse_text(text, PurePath(filename).stem if filename else "")
    raise ImportRefused("Offramp imports Word documents (.docx), PDFs with a text layer, and "
                        "plain text or Markdown (.txt, .md). Save the SOW in one of those, or "
                        "paste its text.")


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(_run_isolated(sys.argv[1], sys.argv[2], sys.stdin.buffer.read())))
