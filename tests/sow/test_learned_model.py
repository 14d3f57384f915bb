"""The SOW check's learned model is trained at build time and stored; a web worker loads it
instead of training, and only while it matches today's corpus. Section readings are
remembered, so re-checking an unchanged SOW does not read its sections again."""

import joblib
import pytest
from django.core.management import call_command

from sow.checks import learned
from sow.checks.text import READ_MEMO, reader_for

TEXT = ("All work product, including the trained weights, is the exclusive property of the "
        "Vendor; the Client receives a licence for as long as the fees are paid.")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "model.joblib"
    call_command("build_sow_model", path=str(path))
    return path


def test_the_stored_model_reads_as_the_model_trained_now(built):
    stored = learned.stored(built)
    assert stored is not None
    trained = learned.model()  # this process's own, trained from the same corpus
    x = [learned.normalise("Intellectual property", TEXT, *reader_for().party_res)]
    assert stored.classes == trained.classes
    assert stored.probabilities(x).tolist() == trained.probabilities(x).tolist()


def test_a_worker_loads_the_stored_model_instead_of_training(built, monkeypatch):
    monkeypatch.setattr(learned, "ARTEFACT", built)
    monkeypatch.setattr(learned, "train", lambda: pytest.fail("trained although stored"))
    learned.model.cache_clear()
    try:
        assert learned.model() is not None
    finally:
        learned.model.cache_clear()


@pytest.mark.parametrize("content", ["stale", "garbage"])
def test_a_stale_or_unreadable_model_is_not_used(tmp_path, content):
    path = tmp_path / "model.joblib"
    if content == "stale":
        joblib.dump({"digest": "trained from another corpus", "model": object()}, path)
    else:
        path.write_bytes(b"not a model at all")
    assert learned.stored(path) is None


def test_build_if_stale_does_nothing_when_up_to_date(built, capsys):
    call_command("build_sow_model", path=str(built), if_stale=True)
    assert "up to date" in capsys.readouterr().out


def test_a_section_is_read_once_per_reader(monkeypatch):
    reader = reader_for(("Memo Vendor Ltd",), ("Memo Client plc",))
    calls = []
    real = reader.reader._read  # the rules shared by every pair of parties
    monkeypatch.setattr(reader.reader, "_read", lambda *a: calls.append(a) or real(*a))
    first = reader.read("Intellectual property", TEXT)
    again = reader.read("Intellectual property", TEXT)
    other = reader.read("Intellectual property", TEXT + " The Client owns the code.")
    assert first == again and len(calls) == 2
    assert {f.rule for f in first.flags} == {"no_client_ownership"}
    assert other is not first


def test_the_memo_is_bounded(monkeypatch):
    reader = reader_for(("Bound Vendor",), ("Bound Client",))
    monkeypatch.setattr(reader.reader, "_read",
                        lambda *a: type("R", (), {"topic": "", "credits": frozenset(),
                                                  "flags": ()})())
    for i in range(READ_MEMO + 10):
        reader.read("h", f"text {i}")
    assert len(reader._memo) == READ_MEMO


def test_every_pair_of_parties_shares_one_compiled_reader():
    """Compiling the rules took about 2 s; it happens once, not once per pair of names."""
    a = reader_for(("Kestrel Analytics",), ("Harbor Bank",))
    b = reader_for(("Northwind Labs GmbH",), ("Tidewater Logistics",))
    assert a is not b and a.reader is b.reader


def test_names_are_read_as_the_parties_and_quoted_as_written():
    reader = reader_for(("Kestrel Analytics Ltd",), ("Harbor Bank plc",))
    text = ("Everything built here, including the trained weights, remains the exclusive "
            "property of Kestrel Analytics; Harbor Bank receives a licence while fees are paid.")
    reading = reader.read("Intellectual property", text)
    flag = next(f for f in reading.flags if f.rule == "no_client_ownership")
    assert flag.quote == text[flag.start:flag.end].strip()
    assert "q" * 5 not in flag.quote and "j" * 5 not in flag.quote
