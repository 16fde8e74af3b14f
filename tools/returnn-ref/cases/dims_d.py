"""Cases: RETURNN Dims in layer options that take Dims the source does not have (helper wt-d): `length` and
`range_in_axis` over a Dim derived from the time axis (`time + 2`, `time // 2`, ...) or a static Dim."""
from .dims_f import BATCH, TIME, d

FEAT3 = {"dim": "feat", "kind": "feature", "size": 3}


def derived(op, a, b, dim):
    """A derived JSON Dim (RETURNN's own arithmetic makes the same one in generate.py; its description is checked)."""
    return {"dim": dim, "kind": "spatial", "size": None, "derived": {"op": op, "inputs": [a, b]}}


T_PLUS_2 = derived("add", TIME, 2, "time+2")
T_MINUS_1 = derived("add", TIME, -1, "time+-1")
T_FLOOR_2 = derived("floordiv", TIME, 2, "time//2")
T_CEIL_3 = derived("ceildiv", TIME, 3, "⌈time/3⌉")
T_MUL_2 = derived("mul", TIME, 2, "time*2")
SEQ3 = {"data": {"dim_tags": [BATCH, TIME, FEAT3]}}

CASES = [
    d("dims_d_length_derived_dims", {
        "len_add": {"class": "length", "from": "data", "axis": T_PLUS_2},
        "len_sub": {"class": "length", "from": "data", "axis": T_MINUS_1},
        "len_floordiv": {"class": "length", "from": "data", "axis": T_FLOOR_2},
        "len_ceildiv": {"class": "length", "from": "data", "axis": T_CEIL_3},
        "output": {"class": "length", "from": "data", "axis": T_MUL_2},
    }, outputs=["len_add", "len_sub", "len_floordiv", "len_ceildiv", "output"], extern_data=SEQ3,
        seq_lens={"data:size1": [7, 4, 1]},
        description="length of Dims derived from the time axis (RETURNN Dim.complete_dyn_size)"),
    d("dims_d_range_in_axis_derived_dims", {
        "range_add": {"class": "range_in_axis", "from": "data", "axis": T_PLUS_2},
        "range_ceildiv": {"class": "range_in_axis", "from": "data", "axis": T_CEIL_3},
        "output": {"class": "range_in_axis", "from": "data", "axis": T_MUL_2},
    }, outputs=["range_add", "range_ceildiv", "output"], extern_data=SEQ3, seq_lens={"data:size1": [7, 5, 2]},
        description="range_in_axis over Dims derived from the time axis: the derived Dim's positions and lengths"),
    d("dims_d_length_static_dim_sparse", {
        "output": {"class": "length", "from": "data", "axis": FEAT3, "sparse": True},
    }, extern_data={"data": {"dim_tags": [BATCH, TIME], "sparse_dim": FEAT3}},
        description="length of a static Dim the (sparse) source does not have as an axis: its size, a scalar"),
]

NEW_T = {"dim": "new-time", "kind": "spatial", "size": None}
FEAT5 = {"dim": "feat", "kind": "feature", "size": 5}

CASES += [
    d("dims_d_reinterpret_set_dim_tags_self_attention", {
        "k": {"class": "reinterpret_data", "from": "data", "set_dim_tags": {"T": NEW_T}},
        "energy": {"class": "dot", "from": ["data", "k"], "red1": FEAT5, "red2": FEAT5, "var1": TIME, "var2": NEW_T},
        "att_weights": {"class": "softmax_over_spatial", "from": "energy", "axis": NEW_T},
        "k_max": {"class": "reduce", "mode": "max", "from": "k", "axis": NEW_T},
        "output": {"class": "dot", "from": ["att_weights", "k"], "red1": NEW_T, "red2": NEW_T, "var1": TIME, "var2": FEAT5},
    }, outputs=["k", "energy", "att_weights", "k_max", "output"], seq_lens={"data:size1": [7, 4, 2]},
        description="set_dim_tags gives the time axis a new Dim (the same lengths); attention from time over it, "
                    "softmax_over_spatial masking that second dynamic axis by its lengths"),
]

CASES += [
    d("dims_d_extern_time_major_dim_tags", {
        "lin": {"class": "linear", "activation": "tanh", "n_out": 4, "from": "data"},
        "conv": {"class": "conv", "from": "data", "filter_size": [3], "padding": "same", "n_out": 3, "activation": None},
        "output": {"class": "reduce", "mode": "max", "from": "lin", "axis": TIME},
    }, outputs=["lin", "conv", "output"], extern_data={"data": {"dim_tags": [TIME, BATCH, FEAT5]}},
        seq_lens={"data:size0": [7, 3, 5]},
        description="extern_data dim_tags with the batch dim second (time-major): Strata moves it first, the feed is transposed"),
]

FEAT6 = {"dim": "feat6", "kind": "feature", "size": 6}
HEADS = {"dim": "heads", "kind": "feature", "size": 2}
PER_HEAD = {"dim": "per-head", "kind": "spatial", "size": 3}
EXPAND = {"dim": "expand", "kind": "unspecified", "size": 1}

CASES += [
    d("dims_d_split_dims_feature_dims", {
        "split_heads": {"class": "split_dims", "from": "data", "axis": FEAT6, "dims": [HEADS, PER_HEAD]},
        "expand": {"class": "split_dims", "from": "data", "axis": FEAT6, "dims": [FEAT6, EXPAND]},
        "lin": {"class": "linear", "activation": None, "n_out": 4, "from": "split_heads"},
        "output": {"class": "reduce", "mode": "sum", "from": "lin", "axis": PER_HEAD},
    }, outputs=["split_heads", "expand", "lin", "output"], extern_data={"data": {"dim_tags": [BATCH, TIME, FEAT6]}},
        description="split_dims of the feature axis into Dims: RETURNN's feature axis is the last feature-kind Dim "
                    "(Strata puts it last), so linear runs over it"),
]

CASES += [
    d("dims_d_conv_padded_frames_merge_batch_time", {
        "conv": {"class": "conv", "n_out": 3, "filter_size": [3], "strides": [2], "padding": "valid", "from": "data"},
        "conv_same": {"class": "conv", "n_out": 2, "filter_size": [3], "padding": "same", "from": "data"},
        "output": {"class": "merge_dims", "from": "conv", "axes": ["B", "T"], "keep_order": True},
        "merged_same": {"class": "merge_dims", "from": "conv_same", "axes": ["B", "T"], "keep_order": True},
    }, outputs=["conv", "output", "merged_same"], extern_data={"data": {"dim_tags": [BATCH, TIME, FEAT5]}},
        seq_lens={"data:size1": [7, 5, 3]},
        description="RETURNN's conv leaves its output's padded frames as computed; merge_dims of batch and time keeps them"),
]
