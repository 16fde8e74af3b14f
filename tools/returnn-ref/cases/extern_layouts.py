"""Cases: extern_data in RETURNN's other axis orders: time-major (`batch_dim_axis: 1`), features first
(`shape: [5, None]`, RETURNN's default feature axis: the last static one), `time_dim_axis` on a later axis, data
without a batch axis (`batch_dim_axis: None`), and `dim: None` (a dynamic feature axis). The inputs
are fed in the declared layout; Strata runs them batch-first, feature-last."""
from .basic import c

TIME_MAJOR = {"data": {"shape": (None, 5), "batch_dim_axis": 1}}
BFT = {"data": {"dim": 5, "shape": (5, None)}}

CASES = [
    c("extern_time_major_linear", {
        "output": {"class": "linear", "activation": "tanh", "n_out": 3, "from": "data"},
    }, extern_data=TIME_MAJOR),
    c("extern_time_major_reduce", {
        "output": {"class": "reduce", "mode": "max", "axis": "T", "from": "data"},
    }, extern_data=TIME_MAJOR),
    c("extern_bft_linear", {
        "output": {"class": "linear", "activation": "tanh", "n_out": 3, "from": "data"},
    }, extern_data=BFT),
    c("extern_bft_rec", {
        "output": {"class": "rec", "unit": "nativelstm2", "n_out": 2, "from": "data"},
    }, extern_data={"data": {"dim": 5, "shape": (5, None), "time_dim_axis": 2, "feature_dim_axis": 1}}),
    # in1 has no batch axis (a [5] vector), in2 is [B, F, T]: broadcast over batch and time.
    c("extern_no_batch_broadcast", {
        "output": {"class": "combine", "kind": "add", "from": ["data:in2", "data:in1"]},
    }, extern_data={"in1": {"shape": (5,), "batch_dim_axis": None, "time_dim_axis": None, "feature_dim_axis": 0},
                    "in2": {"shape": (5, None), "batch_dim_axis": 0, "time_dim_axis": 2}}),
    # dim None: [B, T, F?] with a dynamic feature axis (its size from the batch).
    c("extern_dim_none", {
        "output": {"class": "activation", "activation": "tanh", "from": "data"},
    }, extern_data={"data": {"dim": None}}, seq_lens={"data:size2": [4, 4, 4]}),
]
