"""Cases: masked_computation outside a rec layer (RETURNN's MaskedComputationLayer, non-rec branch): the frames where
the mask holds (within each sequence's length) are packed onto a new time axis `<name>:masked:time`, the unit runs
on that sequence, and the result keeps the packed axis; the unit's params live under the layer's name."""
from .basic import c

SPARSE = {"data": {"shape": (None,), "sparse": True, "dim": 11}}
_MASK = {
    "sum": {"class": "reduce", "mode": "sum", "axis": "F", "from": "data"},
    "mask": {"class": "compare", "kind": "greater", "value": 0.0, "from": "sum"},
}

CASES = [
    # A linear unit (params output/W, output/b); a layer after it reduces over the packed axis (its lengths).
    c("masked_seq_linear", {
        **_MASK,
        "output": {"class": "masked_computation", "mask": "mask", "from": "data",
                   "unit": {"class": "linear", "activation": "tanh", "n_out": 4, "from": "data"}},
        "post": {"class": "reduce", "mode": "mean", "axis": "T", "from": "output"},
    }, outputs=("output", "mask", "post")),
    # A rec LSTM unit over the packed sequence (params output/rec/W, W_re, b).
    c("masked_seq_rec_lstm", {
        **_MASK,
        "output": {"class": "masked_computation", "mask": "mask", "from": "data",
                   "unit": {"class": "rec", "unit": "lstm", "n_out": 3, "from": "data"}},
    }),
    # A subnetwork unit (params output/lin/W, output/lin/b) whose output combines two of its layers.
    c("masked_seq_subnetwork", {
        **_MASK,
        "output": {"class": "masked_computation", "mask": "mask", "from": "data", "unit": {
            "class": "subnetwork", "from": "data", "subnetwork": {
                "lin": {"class": "linear", "activation": None, "n_out": 5, "from": "data"},
                "output": {"class": "combine", "kind": "add", "from": ["lin", "data"]},
            }}},
    }),
    # Class indices (sparse) packed, then embedded by a linear unit; the mask compares the indices.
    c("masked_seq_sparse_embedding", {
        "mask": {"class": "compare", "kind": "greater", "value": 4, "from": "data"},
        "output": {"class": "masked_computation", "mask": "mask", "from": "data",
                   "unit": {"class": "linear", "activation": None, "n_out": 3, "from": "data"}},
    }, extern_data=SPARSE),
    # The unit reads another layer with the masked time axis: RETURNN packs it too (get_masked_layer).
    c("masked_seq_other_source", {
        **_MASK,
        "other": {"class": "linear", "activation": "sigmoid", "n_out": 5, "from": "data"},
        "output": {"class": "masked_computation", "mask": "mask", "from": "data",
                   "unit": {"class": "combine", "kind": "mul", "from": ["data", "other"]}},
    }),
    # unmask back on the input's time axis: each frame the last kept one, zeros before the first; then a layer on it.
    c("masked_seq_unmask", {
        **_MASK,
        "masked": {"class": "masked_computation", "mask": "mask", "from": "data",
                   "unit": {"class": "rec", "unit": "lstm", "n_out": 3, "from": "data"}},
        "masked_copy": {"class": "copy", "from": "masked"},
        "unmask": {"class": "unmask", "from": "masked_copy", "mask": "mask"},
        "output": {"class": "linear", "activation": "tanh", "n_out": 2, "from": ["unmask", "data"]},
    }, outputs=("output", "unmask", "masked")),
    # masked_from: a sequence masked already (its own time axis and lengths); the unit runs on it, nothing is packed.
    c("masked_seq_masked_from", {
        "output": {"class": "masked_computation", "masked_from": "data:data_masked",
                   "unit": {"class": "linear", "activation": "tanh", "n_out": 3, "from": "data"}},
    }, extern_data={"data": {"shape": (None, 5)}, "data_masked": {"shape": (None, 5)}},
        seq_lens={"data_masked:size1": [4, 2, 3]}),
]
