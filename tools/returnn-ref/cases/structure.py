"""Cases: RETURNN's structure classes concat ((layer, axis) pairs), split (sub-layers "<name>/<i>"), cast (dtype),
top_k (values and the sub-layer "indices")."""
from .basic import c

SEQ5 = {"data": {"shape": (None, 5)}}
SEQ43 = {"data": {"shape": (None, 4, 3)}}

CASES = [
    c("concat_f", {
        "a": {"class": "linear", "activation": "tanh", "n_out": 3, "from": "data"},
        "output": {"class": "concat", "from": [("data", "F"), ("a", "F")]},
    }),
    c("concat_static_spatial", {
        "output": {"class": "concat", "from": [("data", "dim:4"), ("data", "dim:4"), ("data", "dim:4")]},
    }, outputs=["output"], extern_data=SEQ43),
    c("split_num_splits_f", {
        "split": {"class": "split", "num_splits": 2, "from": "data"},
        "output": {"class": "combine", "kind": "mul", "from": ["split/0", "split/1"]},
    }, outputs=["split", "split/0", "split/1", "output"], extern_data={"data": {"shape": (None, 6)}}),
    c("split_size_splits_spatial", {
        "split": {"class": "split", "axis": "dim:4", "size_splits": [1, 3], "from": "data"},
        "output": {"class": "copy", "from": "split/1"},
    }, outputs=["split/0", "output"], extern_data=SEQ43),
    c("cast_float_to_int", {
        "scaled": {"class": "eval", "eval": "source(0) * 3.0", "from": "data"},
        "output": {"class": "cast", "dtype": "int32", "from": "scaled"},
    }),
    c("cast_sparse_to_float", {"output": {"class": "cast", "dtype": "float32", "from": "data"}},
      extern_data={"data": {"shape": (None,), "sparse": True, "dim": 11}}),
    c("top_k_f", {
        "top": {"class": "top_k", "axis": "F", "k": 3, "from": "data"},
        "output": {"class": "copy", "from": "top"},
    }, outputs=["top", "top/indices"]),
    c("top_k_spatial", {
        "top": {"class": "top_k", "axis": "dim:4", "k": 2, "from": "data"},
        "output": {"class": "combine", "kind": "add", "from": ["top", "top"]},
    }, outputs=["top", "top/indices", "output"], extern_data=SEQ43),
    c("swap_axes_t_spatial", {
        "output": {"class": "swap_axes", "axis1": "T", "axis2": "dim:4", "from": "data"},
    }, extern_data=SEQ43),
    c("transpose_list", {
        "output": {"class": "transpose", "perm": ["B", "dim:4", "T", "F"], "from": "data"},
    }, extern_data=SEQ43),
    c("transpose_dict", {
        "output": {"class": "transpose", "perm": {"T": "dim:4"}, "from": "data"},
    }, extern_data=SEQ43),
    c("train_flag", {
        "flag": {"class": "train_flag"},
        "output": {"class": "switch", "condition": "flag", "true_from": "data", "false_from": 0.5},
    }, outputs=["flag", "output"]),
    c("range_from_length", {
        "len": {"class": "length", "from": "data"},
        "output": {"class": "range_from_length", "from": "len"},
    }),
    c("reshape_static_dims", {
        "output": {"class": "reshape", "in_dims": ["dim:4", "dim:6"], "out_dims": ["dim:6", "dim:4"], "from": "data"},
    }, extern_data={"data": {"shape": (None, 4, 6, 2)}}),
    c("reshape_static_dims_reordered", {
        "output": {"class": "reshape", "in_dims": ["dim:6", "dim:4"], "out_dims": ["dim:4", "dim:6"], "from": "data"},
    }, extern_data={"data": {"shape": (None, 4, 6, 2)}}),
]
