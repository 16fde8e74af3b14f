"""A rec layer without sources, axis or target data, whose `end` layer ends the loop (RETURNN: the rec cell then has
no known length but the `end` layer's; `max_seq_len` bounds it). The count `i` goes up by one per frame, each
sequence ends where `i * (1 + 8 |mean of its data|)` reaches 4.5 (so the lengths differ per sequence), and the frames
are `i` times the sequence's mean over time."""
from .basic import c

CASES = [
    c("rec_end_no_target_counter", {
        "loop": {"class": "rec", "from": [], "max_seq_len": 10, "unit": {
            "mean_t": {"class": "reduce", "mode": "mean", "axis": "T", "from": "base:data:data"},
            "r": {"class": "reduce", "mode": "mean", "axis": "F", "from": "mean_t"},
            "one": {"class": "eval", "from": "r", "eval": "source(0) * 0.0 + 1.0"},
            "i": {"class": "combine", "kind": "add", "from": ["prev:i", "one"]},
            "scaled": {"class": "eval", "from": ["i", "r"], "eval": "source(0) * (1.0 + 8.0 * tf.abs(source(1)))"},
            "end": {"class": "compare", "kind": "greater_equal", "value": 4.5, "from": "scaled"},
            "output": {"class": "combine", "kind": "mul", "from": ["i", "mean_t"]},
        }},
        "output": {"class": "copy", "from": "loop"},
    }, outputs=["output"]),
]
