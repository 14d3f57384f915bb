"""A small classifier learned from the labelled corpus, backing the text rules up.

The patterns in `sow/data/check_rules.toml` are precise but miss phrasings nobody wrote a
pattern for. This model reads a whole section (heading and text, with the parties' names and
synonyms replaced by VENDOR and CLIENT) and says which (rule, label) of the corpus it reads
like: word 1-3-grams and character 3-5-grams (TF-IDF), one multinomial logistic regression
over the 42 classes (14 rules x compliant, red_flag, neither).

- Training data: `tests/sow_corpus/train*.toml` (shipped with the code; the held-out half is
  never read here). Training runs offline, at first use, once per process (a few tens of
  seconds), and is deterministic: same files, same order, same solver, same model.
- It only adds to the patterns: a section whose best class is (rule, red_flag) with
  probability >= FLAG_THRESHOLD is flagged unless the patterns credited that rule in it (an
  explicit commitment wins over a statistical reading); a section whose best class is
  (rule, compliant) with probability >= COMMIT_THRESHOLD is credited unless flagged.
- Each finding quotes the sentence of the section that scores highest for the class, so the
  reader sees the section and the phrase, like any pattern finding.
- Without scikit-learn or without the corpus, the check runs on the patterns alone.

Measured before adoption (leave-one-file-out over the independently written train files, and
a fresh dev set scored before any tuning): see the commit that added this module.
"""

import hashlib
import logging
import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent.parent / "tests" / "sow_corpus"
# The model trained at build time (`manage.py build_sow_model`, run by the Dockerfile and
# `make run`), so no web worker trains it on its first check. It is used only while it was
# trained from the same corpus files, model code version and scikit-learn; otherwise the model
# is trained at first use, as without it.
ARTEFACT = Path(os.environ.get("OFFRAMP_SOW_MODEL") or
                Path(__file__).resolve().parent.parent / "data" / "learned-model.joblib")
MODEL_VERSION = b"1"  # bump when Model changes how it trains or reads
logger = logging.getLogger("offramp.sow")
FLAG_THRESHOLD = 0.75
COMMIT_THRESHOLD = 0.8
# Switch for measuring the patterns alone (bench/sow_check_quality.py --patterns-only).
ENABLED = True
VENDOR_TOKEN, CLIENT_TOKEN = " zvendorz ", " zclientz "


@dataclass(frozen=True)
class Reading:
    rule: str
    label: str          # red_flag | compliant
    probability: float
    start: int          # the best-scoring sentence, offsets in the section's text
    end: int


def corpus_files():
    return sorted(p for p in CORPUS.glob("train*.toml"))


def normalise(heading, text, vendor_re, client_re):
    """The section as the model reads it: heading, then text, parties replaced by tokens."""
    joined = f"{heading or ''} . {text}"
    return client_re.sub(CLIENT_TOKEN, vendor_re.sub(VENDOR_TOKEN, joined))


class Model:
    def __init__(self, cases, party_res):
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self._hstack = hstack
        texts = []
        for case in cases:
            vendor_re, client_re = party_res(
                tuple(filter(None, [case.get("vendor")])),
                tuple(filter(None, [case.get("client")])))
            texts.append(normalise(case.get("heading", ""), case["text"].strip(), vendor_re,
                                   client_re))
        labels = [f"{c['rule']}|{c['label']}" for c in cases]
        self.vectorisers = [
            TfidfVectorizer(ngram_range=(1, 3), min_df=2, sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True,
                            max_features=150000),
        ]
        x = hstack([v.fit_transform(texts) for v in self.vectorisers]).tocsr()
        self.model = LogisticRegression(C=10.0, max_iter=3000).fit(x, labels)
        self.classes = [str(c) for c in self.model.classes_]

    def _x(self, texts):
        return self._hstack([v.transform(texts) for v in self.vectorisers]).tocsr()

    def probabilities(self, texts):
        return self.model.predict_proba(self._x(texts))

    def read(self, heading, text, sentences, vendor_re, client_re):
        """The section's best class when it is a red flag or a commitment above its threshold,
        with the sentence (from `sentences`: (start, sentence)) that scores highest for it."""
        p = self.probabilities([normalise(heading, text, vendor_re, client_re)])[0]
        best = int(p.argmax())
        rule, label = self.classes[best].split("|")
        threshold = {"red_flag": FLAG_THRESHOLD, "compliant": COMMIT_THRESHOLD}.get(label)
        if threshold is None or p[best] < threshold:
            return None
        spans = [(s, s + len(t)) for s, t in sentences if t.strip()] or [(0, len(text))]
        if len(spans) > 1:
            scores = self.probabilities([normalise(heading, text[a:b], vendor_re, client_re)
                                         for a, b in spans])[:, best]
            a, b = spans[int(scores.argmax())]
        else:
            a, b = spans[0]
        # Trim the quote to the sentence's words (no surrounding blanks or list marker).
        chunk = text[a:b]
        lead = len(chunk) - len(chunk.lstrip())
        a, b = a + lead, a + len(chunk.rstrip())
        return Reading(rule, label, float(p[best]), a, b)


def load_cases():
    out = []
    for path in corpus_files():
        with open(path, "rb") as fh:
            out.extend(tomllib.load(fh)["case"])
    return out


def corpus_digest():
    """What the model is a function of: the corpus files, this module's model version and
    scikit-learn's version."""
    import sklearn

    digest = hashlib.sha256(MODEL_VERSION + sklearn.__version__.encode())
    for path in corpus_files():
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def train():
    cases = load_cases()
    if not cases:
        return None
    from .text import party_res
    return Model(cases, party_res)


def build(path=None):
    """Train and store the model with the digest it was trained from (build time)."""
    import joblib

    path = Path(path or ARTEFACT)
    trained = train()
    if trained is None:
        raise RuntimeError(f"no training corpus in {CORPUS}")
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump({"digest": corpus_digest(), "model": trained}, path)
    return trained


def stored(path=None):
    """The stored model when it was trained from today's corpus, else None. The file is the
    app's own build output (never user input), so unpickling it is safe."""
    import joblib

    path = Path(path or ARTEFACT)
    if not path.is_file():
        return None
    try:
        data = joblib.load(path)
    except Exception:  # a truncated or foreign file: train instead
        logger.warning("The stored SOW check model %s cannot be read; training it.", path)
        return None
    if not isinstance(data, dict) or data.get("digest") != corpus_digest():
        logger.warning("The stored SOW check model %s is out of date; training it.", path)
        return None
    return data["model"]


@lru_cache(maxsize=1)
def model():
    """The trained model (once per process: stored at build time, or trained now), or None
    without scikit-learn or a corpus."""
    if not ENABLED:
        return None
    try:
        import sklearn  # noqa: F401
    except ImportError:
        return None
    return stored() or train()
