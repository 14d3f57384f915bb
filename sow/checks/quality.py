"""How well the text rules read a labelled corpus (tests/sow_corpus): per rule, precision and
recall of two detections.

- red flag: positives are the rule's `red_flag` cases (and cases listing the rule in
  `also_red_flag`); every other case in the corpus is a negative, so a red flag raised on a
  compliant paragraph of another rule, or on legal boilerplate, costs precision;
- commitment: positives are the rule's `compliant` cases; negatives are its `red_flag` and
  `neither` cases (a paragraph may well commit to several rules, so other rules' cases are
  not counted).
"""

import tomllib
from dataclasses import dataclass, field

from .text import reader_for


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list = field(default_factory=list)

    @property
    def precision(self):
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self):
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def add(self, predicted, actual, case):
        if predicted and actual:
            self.tp += 1
        elif predicted:
            self.fp += 1
            self.misses.append(("false positive", case))
        elif actual:
            self.fn += 1
            self.misses.append(("missed", case))


def load_cases(path):
    with open(path, "rb") as fh:
        return tomllib.load(fh)["case"]


def evaluate(cases, rule_ids):
    flags = {r: Tally() for r in rule_ids}
    commits = {r: Tally() for r in rule_ids}
    # Cases grouped by their pair of party names: each pair's rules are compiled once
    # (reader_for keeps a bounded number of compiled pairs), whatever the corpus's order.
    for case in sorted(cases, key=lambda c: (c.get("vendor") or "", c.get("client") or "")):
        reader = reader_for(tuple(filter(None, [case.get("vendor")])),
                            tuple(filter(None, [case.get("client")])))
        reading = reader.read(case.get("heading", ""), case["text"].strip())
        flagged = {m.rule for m in reading.flags}
        for rule in rule_ids:
            is_flag = ((case["rule"] == rule and case["label"] == "red_flag")
                       or rule in case.get("also_red_flag", []))
            flags[rule].add(rule in flagged, is_flag, case)
            if case["rule"] == rule:
                commits[rule].add(rule in reading.credits, case["label"] == "compliant", case)
    return flags, commits
