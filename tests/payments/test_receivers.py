"""The gate tracker's receiver must outlive garbage collection (signals hold weak references)."""

import gc

from engagement.signals import gate_inputs_changed


def test_gate_receiver_survives_garbage_collection():
    gc.collect()
    receivers = gate_inputs_changed._live_receivers(None)
    live = receivers[0] if isinstance(receivers, tuple) else receivers
    assert any(getattr(r, "__module__", "") == "payments.receivers" for r in live)
