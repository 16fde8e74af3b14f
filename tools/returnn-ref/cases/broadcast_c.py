"""Cases: sources with different dims broadcast to the union of their dims (RETURNN `Tensor.get_common_data` and
`copy_compatible_to`; returnn/tensor/_tensor_extra.py): the time axes of two extern data entries are different
axes unless declared one Dim, static axes of one size are one axis, new axes go where RETURNN puts them."""
from .basic import c
from .dims_f import BATCH, d

T1 = {"dim": "time1", "kind": "spatial", "size": None}
T2 = {"dim": "time2", "kind": "spatial", "size": None}
F5 = {"dim": "feat", "kind": "feature", "size": 5}
TWO = {"in1": {"shape": (None, 5)}, "in2": {"shape": (None, 5), "batch_dim_axis": 1}}
LENS = {"in1:size1": [7, 5, 4], "in2:size1": [5, 3, 2]}

CASES = [
    c("broadcast_c_combine_two_time_dims", {
        "output": {"class": "combine", "kind": "add", "from": ["data:in1", "data:in2"]},
    }, extern_data=TWO, seq_lens=LENS),
    c("broadcast_c_combine_three_sources", {
        "output": {"class": "combine", "kind": "mul", "from": ["data:in0", "data:in1", "data:in2"]},
    }, extern_data={"in0": {"shape": (None, None, 5), "batch_dim_axis": 1}, **TWO},
        seq_lens={"in0:size1": [6, 6, 3], "in0:size2": [4, 2, 4], **LENS}),
    c("broadcast_c_eval_two_time_dims", {
        "output": {"class": "eval", "from": ["data:in1", "data:in2"], "eval": "source(0) * 2.0 - source(1)"},
    }, extern_data=TWO, seq_lens=LENS),
    c("broadcast_c_compare_two_time_dims", {
        "red1": {"class": "reduce", "mode": "max", "axis": "F", "from": "data:in1"},
        "red2": {"class": "reduce", "mode": "max", "axis": "F", "from": "data:in2"},
        "output": {"class": "compare", "kind": "less", "from": ["red1", "red2"]},
    }, outputs=["output", "red1"], extern_data=TWO, seq_lens=LENS),
    c("broadcast_c_combine_same_size_other_dim", {
        "p": {"class": "variable", "shape": (5,), "add_batch_axis": False},
        "output": {"class": "combine", "kind": "add", "from": ["p", "data"], "allow_broadcast_all_sources": True},
    }, outputs=["output", "p"]),
    d("broadcast_c_combine_dim_tags_out_shape", {
        "output": {"class": "combine", "kind": "sub", "from": ["data:in2", "data:in1"],
                   "out_shape": [BATCH, T1, T2, F5]},
    }, extern_data={"in1": {"dim_tags": [BATCH, T1, F5]}, "in2": {"dim_tags": [BATCH, T2, F5]}}, seq_lens=LENS),
]
