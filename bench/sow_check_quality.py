"""Precision and recall of the SOW check's text rules on the labelled corpus.

Run: .venv/bin/python bench/sow_check_quality.py [--misses] [--rule RULE] [--train-only]
     [--patterns-only]   (from the repository root; DJANGO_SETTINGS_MODULE is not needed)

Prints, per rule and for each half of tests/sow_corpus (train: tune on it; held_out: only
read its score), precision and recall of red-flag detection and of commitment detection.
Targets on the held-out half: recall >= 0.9 and precision >= 0.95 per rule.
`--misses` lists the train half's wrong cases (never the held-out half's: do not tune on it).
The check's learned model (sow/checks/learned.py) is trained on the train half, so its train
numbers flatter it: `--patterns-only` scores the patterns without it.
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sow.checks import learned  # noqa: E402
from sow.checks.quality import evaluate, load_cases  # noqa: E402
from sow.checks.text import text_rules  # noqa: E402

CORPUS = ROOT / "tests" / "sow_corpus"
RECALL, PRECISION = 0.9, 0.95


def report(name, cases, rules, show_misses=False, only=None):
    flags, commits = evaluate(cases, rules)
    print(f"\n{name}: {len(cases)} cases")
    print(f"{'rule':28} {'flag P':>7} {'flag R':>7} {'commit P':>9} {'commit R':>9}")
    ok = True
    for r in rules:
        if only and r != only:
            continue
        f, c = flags[r], commits[r]
        good = min(f.recall, c.recall) >= RECALL and min(f.precision, c.precision) >= PRECISION
        ok &= good
        print(f"{r:28} {f.precision:7.2f} {f.recall:7.2f} {c.precision:9.2f} {c.recall:9.2f}"
              f"  {'' if good else '<- below target'}")
        if show_misses:
            for kind, tally in (("flag", f), ("commit", c)):
                for what, case in tally.misses:
                    print(f"    {kind} {what}: [{case['rule']}/{case['label']}] "
                          f"{case.get('heading', '')}: {case['text'].strip()[:220]!r}")
    return ok


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--rule")
    parser.add_argument("--train-only", action="store_true",
                        help="while tuning: do not even look at the held-out score")
    parser.add_argument("--patterns-only", action="store_true",
                        help="without the learned model (it is trained on the train half)")
    args = parser.parse_args()
    learned.ENABLED = not args.patterns_only
    rules = [r.id for r in text_rules()]
    train = [c for path in sorted(CORPUS.glob("train*.toml")) for c in load_cases(path)]
    train_ok = report("train", train, rules, args.misses, args.rule)
    if args.train_only:
        return 0 if train_ok else 1
    held_ok = report("held_out", load_cases(CORPUS / "held_out.toml"), rules, False, args.rule)
    print(f"\ntrain {'meets' if train_ok else 'misses'} the targets; held-out "
          f"{'meets' if held_ok else 'misses'} them.")
    return 0 if held_ok else 1


if __name__ == "__main__":
    sys.exit(main())
