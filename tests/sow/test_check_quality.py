"""The text rules against the labelled corpus (tests/sow_corpus): the held-out half, written
apart from the patterns, must meet the floors; and the starter library's own clauses must
commit, in their text, to every rule they claim to resolve."""

import functools
from pathlib import Path

import pytest

from sow.checks.quality import evaluate, load_cases
from sow.checks.text import reader_for, text_rules

CORPUS = Path(__file__).resolve().parent.parent / "sow_corpus"
# The targets for every rule on the held-out half (issue 13): recall >= 0.9, precision >= 0.95.
# With the learned model (sow/checks/learned.py) they are met by nine rules; not yet by
# ownership (flag P), proprietary wrappers, registry (flag P), runbooks (flag R) and two-key
# (commit P) (see bench/sow_check_quality.py). Until they are, this
# test holds the held-out half to what it scores today (flag P, flag R, commit P, commit R),
# so a rule change can only keep or raise them: raise a floor when a rule improves, never
# lower one. Reading the held-out half's misses to raise a floor is tuning on it: don't.
RECALL, PRECISION = 0.9, 0.95
FLOORS = {
    "no_eval_harness": (1.0, 0.9, 1.0, 1.0),
    "vague_knowledge_transfer": (1.0, 1.0, 1.0, 1.0),
    "no_client_ownership": (0.9, 1.0, 1.0, 0.9),
    "proprietary_wrappers": (0.81, 0.9, 1.0, 1.0),
    "no_data_contracts": (1.0, 1.0, 1.0, 1.0),
    "no_model_registry": (0.9, 1.0, 1.0, 1.0),
    "no_model_card": (1.0, 1.0, 1.0, 1.0),
    "no_runbooks": (1.0, 0.64, 1.0, 1.0),
    "no_rehearsal_retrain": (1.0, 1.0, 1.0, 1.0),
    "no_incident_drill": (1.0, 1.0, 1.0, 1.0),
    "payments_not_gated": (1.0, 0.9, 1.0, 0.9),
    "no_transition_plan": (1.0, 0.9, 1.0, 1.0),
    "retainer_without_offramp": (1.0, 1.0, 1.0, 1.0),
    "no_two_key": (1.0, 1.0, 0.9, 1.0),
}


@functools.cache
def held_out_scores():
    """Scored once per test run: every rule's floor test reads the same scores."""
    rules = [r.id for r in text_rules()]
    flags, commits = evaluate(load_cases(CORPUS / "held_out.toml"), rules)
    return rules, flags, commits


def test_the_corpus_has_both_halves_with_every_rule_and_label():
    for path in (CORPUS / "train.toml", CORPUS / "held_out.toml"):
        cases = load_cases(path)
        seen = {(c["rule"], c["label"]) for c in cases}
        assert {(r.id, label) for r in text_rules()
                for label in ("compliant", "red_flag", "neither")} <= seen


@pytest.mark.parametrize("rule", [r.id for r in text_rules()])
def test_held_out_precision_and_recall_hold_their_floors(rule):
    _, flags, commits = held_out_scores()
    f, c = flags[rule], commits[rule]
    scores = (f.precision, f.recall, c.precision, c.recall)
    assert all(s >= floor - 1e-9 for s, floor in zip(scores, FLOORS[rule], strict=True)), \
        (rule, scores, FLOORS[rule])


def test_the_train_half_meets_the_targets():
    """The half the rules are written against: anything below target there is a rule bug."""
    rules = [r.id for r in text_rules()]
    train = [c for path in sorted(CORPUS.glob("train*.toml")) for c in load_cases(path)]
    flags, commits = evaluate(train, rules)
    for rule in rules:
        f, c = flags[rule], commits[rule]
        assert min(f.recall, c.recall) >= RECALL, rule
        assert min(f.precision, c.precision) >= PRECISION, rule


def test_every_starter_clause_commits_in_its_text_to_what_it_resolves(draft_engagement,
                                                                       people):
    from engagement.services import ladder_generate
    from sow.context import VARIABLES, build_context
    from sow.models import Clause
    from sow.services import library_load
    from sow.templating import check_text, render

    library_load()
    ladder_generate(actor=people["pm"], engagement=draft_engagement)
    context = build_context(draft_engagement.pk)
    reader = reader_for((draft_engagement.vendor.name,), (draft_engagement.client.name,))
    for clause in Clause.objects.filter(organisation=None).exclude(resolves=[]):
        body = clause.versions.get(status="published").body
        text = check_text(render(body, context, known_variables=VARIABLES.keys()))
        reading = reader.read(clause.title, text, clause.category)
        assert set(clause.resolves) <= reading.credits, (clause.key, reading.credits)
        assert not reading.flags, (clause.key, reading.flags)
