"""Text rules: what a section says, read against patterns kept as data.

The rules live in `sow/data/check_rules.toml`, one `[[rule]]` each:
- `commit`: groups of patterns; a section *commits* to the rule when every group has a match
  that is not negated or hedged ("will not", "out of scope", "if time permits");
- `flag`: red-flag patterns, each with `why` (shown to the reader); a match is a finding that
  quotes the phrase. A flag with `topics` fires only in sections on those topics (or in a
  sentence that matches its `context`), so "as required by law" in a confidentiality clause
  is left alone while "support as needed" is caught. A flag with `near` fires only in a section
  that matches it somewhere, so a sentence that says "It cannot be downloaded" or "These
  records are confidential" is read with what the section is about;
- `{V}` and `{C}` in a pattern stand for the vendor and the client: the usual words
  (supplier, customer, …) and the parties' own names; `{NAME}` (capitals) stands for the
  shared term NAME of `[vocabulary.terms]` (a phrasing family used by several rules).
Sections are split into sentences; every match reports its offsets in the section's text.
A rule author adds a pattern and a labelled example to `tests/sow_corpus/train.toml`, then
runs `python bench/sow_check_quality.py` to see precision and recall move.
"""

import re
import tomllib
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import learned

RULES_FILE = Path(__file__).resolve().parent.parent / "data" / "check_rules.toml"
READ_MEMO = 4096  # section readings remembered per reader
# A sentence ends at . ; ! ? followed by a space (so "0.72" or "v1.2" do not split one) or at a
# line break (list items, table rows).
SENTENCE = re.compile(r"(?:[^\n.;!?]|[.;!?](?![\s]|$))*(?:[.;!?](?=\s|$)|\n|$)")
# "No X ... unless / without / until / except Y" states a condition on X.
CONDITION = re.compile(r"\b(?:unless|without|until|except|other\s+than)\b", re.I)
NO_UNLESS = re.compile(r"^\W*(?:[\w()./-]+\s+){0,3}?(?:no|nothing|none)\b", re.I)
CLAUSE_BREAK = re.compile(
    r"[,:]\s*(?:and|but|while|whereas|so|or|which|who|where)\b|\bwhereas\b|\bbut\b", re.I)
TERM = re.compile(r"\{([A-Z][A-Z_]+)\}")
# A list item ("- x", "(a) x", "1. x", "• x") and the line that introduces a list ("...:").
LIST_ITEM = re.compile(r"^\s*(?:[-*•·]|\(?[a-z0-9]{1,3}[.)])\s+", re.I)
LIST_LEAD = re.compile(r":\s*$")
# An enumerator inside a sentence ("approved by (i) the Supplier's lead and (ii) the Customer's
# owner"): the rules read it as blanks of the same length, so "by (i) the Supplier" reads as
# "by the Supplier" and offsets stay the text's. A list item's own marker, at the start of a
# line, is left for LIST_ITEM.
INLINE_ENUM = re.compile(r"(?<=\S )\((?:[ivx]{1,4}|[a-h]|[1-9])\)(?= )")
# An abbreviation's full stops ("e.g. ONNX", "i.e. the Supplier") end no sentence and break no
# pattern: the rules read them as blanks, like inline enumerators.
ABBREVIATION = re.compile(r"(?<![\w.])(?:e\.g|i\.e|cf|viz|incl|approx|vs)\.(?=[\s,])", re.I)
FLAGS = re.I | re.S


@dataclass(frozen=True)
class Match:
    rule: str
    start: int
    end: int
    quote: str
    why: str


@dataclass(frozen=True)
class Reading:
    topic: str
    credits: frozenset
    flags: tuple


@dataclass(frozen=True)
class TextRule:
    id: str
    title: str
    severity: str
    fix_clause: str
    missing: str
    flagged: str
    formats: tuple
    commit: tuple      # of tuples of compiled patterns
    flags: tuple       # of (compiled, why, topics, context, negatable, unless, near; None when unset)


def _load(path=RULES_FILE):
    with open(path, "rb") as fh:
        return tomllib.load(fh)


@lru_cache(maxsize=4)
def rule_data(path=RULES_FILE):
    return _load(path)


# Legal-form suffixes a text often drops when it names a party ("Kraftwerk" for
# "Kraftwerk Systemtechnik GmbH", "Sunvara" for "Sunvara Infotech Limited").
LEGAL_FORM = re.compile(r"[\s,]+(?:ltd|limited|plc|llp|llc|inc|corp(?:oration)?|gmbh|ag|se|sa|"
                        r"s\.?a\.?s?|b\.?v|n\.?v|pvt|pty|private|co|company|group|holdings|ab|oy|"
                        r"as|a/s|k\.?k|s\.?r\.?l|s\.?l|ltda|s\.?p\.?a)\.?,?$", re.I)


def _name_forms(name):
    """A party's name and the short forms a SOW uses for it: without the legal form, and its
    first word when that is a distinctive proper name ("Kraftwerk", not "The" or "AI")."""
    name = name.strip()
    forms = {name}
    short = name
    while LEGAL_FORM.search(short):
        short = LEGAL_FORM.sub("", short).strip()
        forms.add(short)
    first = re.split(r"\s+", short)[0] if short else ""
    if (len(short.split()) > 1 and len(first) >= 4 and first[:1].isupper()
            and first.lower() not in {"the", "data", "first", "global", "united", "national",
                                      "digital", "general", "british", "american"}):
        forms.add(first)
    return {f for f in forms if f}


def _party(words, names):
    alternatives = sorted({*(re.escape(f) for n in names if n and n.strip()
                             for f in _name_forms(n)), *words},
                          key=len, reverse=True)
    # "the Supplier's", and the bare apostrophe of a name ending in s ("Kestrel Analytics'")
    # Not inside a word: "us" is not the end of "status", nor "me" of "time".
    return r"(?<![\w'’-])(?:the\s+)?(?:" + "|".join(alternatives) + r")(?:['’]s\b|(?<=s)['’])?"


@lru_cache(maxsize=1024)
def party_res(vendor_names=(), client_names=()):
    """The vendor's and the client's mentions, compiled (the learned model replaces them)."""
    vocab = rule_data()["vocabulary"]
    return (re.compile(_party(vocab["vendor"], vendor_names), FLAGS),
            re.compile(_party(vocab["client"], client_names), FLAGS))


# The parties' own names are not compiled into the rules (compiling every pattern again for
# each pair of names cost about 2 s a pair): before a section is read, each mention of a name
# is masked, in place and at the same length, by a token of one letter that the rules know
# ("Acme ML Partners's" -> "qqqqqqqqqqqqqqqqs's"), so offsets and quotes stay the original's.
VENDOR_MASK, CLIENT_MASK = "q", "j"
MASK_WORDS = {VENDOR_MASK: r"q{2,}s?", CLIENT_MASK: r"j{2,}s?"}


def _mask_token(mention, letter):
    # A name ending in s keeps its s: "Kestrel Analytics'" takes the bare apostrophe.
    if len(mention) > 1 and mention[-1] in "sS":
        return letter * (len(mention) - 1) + "s"
    return letter * len(mention)


@lru_cache(maxsize=1024)
def _masker(vendor_names=(), client_names=()):
    """A function masking the parties' names in a text (or None without names)."""
    steps = []
    for names, letter in ((vendor_names, VENDOR_MASK), (client_names, CLIENT_MASK)):
        forms = sorted({f for n in names if n and n.strip() for f in _name_forms(n)},
                       key=len, reverse=True)
        if forms:
            steps.append((re.compile(r"(?<![\w'’-])(?:" + "|".join(map(re.escape, forms))
                                     + r")(?!\w)", FLAGS), letter))
    if not steps:
        return None

    def mask(text):
        for pattern, letter in steps:
            text = pattern.sub(lambda m, letter=letter: _mask_token(m.group(0), letter), text)
        return text
    return mask


class Reader:
    """The compiled rules, shared by every pair of party names (see `reader_for`)."""

    def __init__(self, data, vendor_names=(), client_names=()):
        vocab = data["vocabulary"]
        self.vendor = _party([*vocab["vendor"], MASK_WORDS[VENDOR_MASK]], vendor_names)
        self.client = _party([*vocab["client"], MASK_WORDS[CLIENT_MASK]], client_names)
        self.party_res = (re.compile(self.vendor, FLAGS), re.compile(self.client, FLAGS))
        self.negation = re.compile(vocab["negation"], FLAGS)
        self.negated_in_match = re.compile(vocab["negated_in_match"], FLAGS)
        self.hedge = re.compile(vocab["hedge"], FLAGS)
        self.terms = dict(vocab.get("terms", {}))
        self.topics = [(name, re.compile(pattern, FLAGS))
                       for name, pattern in vocab["topics"].items()]
        self.rules = [self._rule(r) for r in data["rule"]]
        self.by_id = {r.id: r for r in self.rules}
        # A section's reading depends only on its heading, text and category (and on these
        # compiled rules): the editor re-checks the same sections on every view, so each
        # reading is remembered (most recent READ_MEMO of them).
        self._memo = OrderedDict()

    def _expand(self, pattern, depth=0):
        """Replace `{NAME}` by the shared vocabulary term NAME (terms may use terms)."""
        if depth > 5:
            raise ValueError(f"vocabulary terms nest too deeply in {pattern!r}")
        return TERM.sub(lambda m: "(?:" + self._expand(self.terms[m.group(1)], depth + 1) + ")"
                        if m.group(1) in self.terms else m.group(0), pattern)

    def _compile(self, pattern):
        pattern = self._expand(pattern)
        return re.compile(pattern.replace("{V}", self.vendor).replace("{C}", self.client),
                          FLAGS)

    def _rule(self, r):
        return TextRule(
            id=r["id"], title=r["title"], severity=r["severity"], fix_clause=r["fix_clause"],
            missing=r["missing"], flagged=r.get("flagged", ""),
            formats=tuple(r.get("formats", ())),
            commit=tuple(tuple(self._compile(p) for p in group) for group in r.get("commit", [])),
            flags=tuple((self._compile(f["pattern"]), f["why"], tuple(f.get("topics", ())),
                         self._compile(f["context"]) if f.get("context") else None,
                         f.get("negatable", True),
                         self._compile(f["unless"]) if f.get("unless") else None,
                         self._compile(f["near"]) if f.get("near") else None)
                        for f in r.get("flag", [])),
        )

    def topic(self, heading, category=""):
        if category:
            return category
        for name, pattern in self.topics:
            if pattern.search(heading or ""):
                return name
        return ""

    def _negated(self, sentence, start, end, s_start):
        """Is the match at [start, end) (offsets in the section) negated in its sentence?"""
        before = sentence[max(0, start - s_start - 40):start - s_start]
        # A negation does not reach across a new clause ("not assessed, and the Vendor ...").
        before = CLAUSE_BREAK.split(before)[-1]
        inside = sentence[start - s_start:end - s_start]
        return bool(self.negation.search(before) or self.negated_in_match.search(inside))

    def read(self, heading, text, category=""):
        key = (heading, text, category, learned.ENABLED)
        reading = self._memo.get(key)
        if reading is None:
            reading = self._memo[key] = self._read(heading, text, category)
            if len(self._memo) > READ_MEMO:
                self._memo.popitem(last=False)
        else:
            self._memo.move_to_end(key)
        return reading

    def _read(self, heading, text, category=""):
        topic = self.topic(heading, category)
        # The rules read the text with inline enumerators blanked; quotes are the text's own.
        plain = INLINE_ENUM.sub(lambda m: " " * len(m.group(0)), text) if "(" in text else text
        if "." in plain:
            plain = ABBREVIATION.sub(lambda m: m.group(0).replace(".", " "), plain)
        sentences = [(m.start(), m.group(0)) for m in SENTENCE.finditer(plain)
                     if m.group(0).strip()]
        credits, flags = set(), []
        for rule in self.rules:
            if rule.commit and all(self._group_met(group, sentences) for group in rule.commit):
                credits.add(rule.id)
            for pattern, why, topics, context, negatable, unless, near in rule.flags:
                if near and not near.search(plain):
                    continue
                for s_start, sentence in sentences:
                    if topics and topic not in topics and not (context and context.search(
                            sentence)):
                        continue
                    if unless and unless.search(sentence):
                        continue
                    for m in pattern.finditer(sentence):
                        start, end = s_start + m.start(), s_start + m.end()
                        if negatable and self._negated(sentence, start, end, s_start):
                            continue
                        flags.append(Match(rule.id, start, end, text[start:end].strip(), why))
                        break
        flags = _dedupe(flags)
        credits -= {f.rule for f in flags}
        self._learn(heading, text, sentences, credits, flags)
        return Reading(topic, frozenset(credits), tuple(flags))

    def _learn(self, heading, text, sentences, credits, flags):
        """What the learned model adds (see `sow.checks.learned`): a red flag the patterns
        missed, unless they credited the rule here; a commitment, unless the rule is flagged."""
        model = learned.model()
        if model is None or not text.strip():
            return
        found = model.read(heading, text, sentences, *self.party_res)
        if found is None or found.rule not in self.by_id:
            return
        flagged = {f.rule for f in flags}
        if found.label == "red_flag" and found.rule not in flagged | credits:
            flags.append(Match(found.rule, found.start, found.end,
                               text[found.start:found.end],
                               f"it reads like the corpus's red-flag examples for this rule "
                               f"(learned model, confidence {found.probability:.2f})"))
        elif found.label == "compliant" and found.rule not in flagged:
            credits.add(found.rule)

    def _hedged(self, sentences):
        """Which sentences are hedged: their own words ("out of scope"), or a list item under a
        hedged lead line ("The following are excluded from the Deliverables:")."""
        out, lead_hedged = [], False
        for _, sentence in sentences:
            own = bool(self.hedge.search(sentence))
            if LIST_ITEM.match(sentence):
                out.append(own or lead_hedged)
                continue
            out.append(own)
            lead_hedged = own and bool(LIST_LEAD.search(sentence))
        return out

    def _group_met(self, group, sentences):
        hedged = self._hedged(sentences)
        for (s_start, sentence), is_hedged in zip(sentences, hedged, strict=True):
            if is_hedged:
                continue
            # "No release goes live without two approvals": a requirement, not a negation.
            condition = CONDITION.search(sentence)
            for pattern in group:
                for m in pattern.finditer(sentence):
                    if not self._negated(sentence, s_start + m.start(), s_start + m.end(),
                                         s_start):
                        return True
                    if condition and NO_UNLESS.search(sentence[:m.start()]):
                        return True
        return False


def _dedupe(flags):
    """One finding per rule and overlapping span (the first pattern that matched wins)."""
    out = []
    for f in sorted(flags, key=lambda f: (f.rule, f.start, -(f.end - f.start))):
        if out and out[-1].rule == f.rule and f.start < out[-1].end:
            continue
        out.append(f)
    return out


@lru_cache(maxsize=1)
def _shared_reader():
    return Reader(rule_data())


class PartyReader:
    """The shared rules reading sections of one pair of parties: their names are masked
    (`_masker`) before the rules read, and quotes are taken from the original text."""

    def __init__(self, reader, mask):
        self.reader, self.mask = reader, mask
        self._memo = OrderedDict()

    def __getattr__(self, name):  # rules, by_id, party_res, topic...: the shared reader's
        return getattr(self.reader, name)

    def read(self, heading, text, category=""):
        if self.mask is None:
            return self.reader.read(heading, text, category)
        key = (heading, text, category, learned.ENABLED)
        reading = self._memo.get(key)
        if reading is not None:
            self._memo.move_to_end(key)
            return reading
        masked = self.reader._read(self.mask(heading or ""), self.mask(text), category)
        reading = Reading(masked.topic, masked.credits, tuple(
            Match(m.rule, m.start, m.end, text[m.start:m.end].strip(), m.why)
            for m in masked.flags))
        self._memo[key] = reading
        if len(self._memo) > READ_MEMO:
            self._memo.popitem(last=False)
        return reading


@lru_cache(maxsize=1024)
def reader_for(vendor_names=(), client_names=()):
    """The reader for sections naming these parties: the rules are compiled once for all."""
    return PartyReader(_shared_reader(), _masker(vendor_names, client_names))


def text_rules():
    return reader_for().rules
