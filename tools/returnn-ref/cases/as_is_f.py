"""Cases: RETURNN test nets as they are (issue #15, group f): int64 sparse extern data (TF's usual label dtype,
held as int32 by Strata), transposed_conv's out_size after a pool, ..."""
from .basic import c

INT64_LABELS = {"data": {"dim": 11, "dtype": "int64", "sparse": True}}

CASES = [
    # int64 sparse labels as a linear's input (one-hot embedding) and gathered by their value.
    c("as_is_f_int64_sparse_embedding", {
        "embed": {"class": "linear", "activation": None, "n_out": 4, "from": "data"},
        "output": {"class": "linear", "activation": "tanh", "n_out": 3, "from": "embed"},
    }, outputs=["embed", "output"], extern_data=INT64_LABELS),
    c("as_is_f_int64_sparse_compare", {
        "output": {"class": "compare", "kind": "greater", "value": 4, "from": "data"},
    }, extern_data=INT64_LABELS),
]
