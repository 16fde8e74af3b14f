"""Cases: a rec layer used both over its target and in the search extra net (RETURNN's `extra.search:<rec>`):
each has its own time axis, so the search's hypothesis lengths do not change the target-stepping layer's lengths."""
from .basic import c

SEQ_CLASSES = {"data": {"shape": (None, 5)}, "classes": {"shape": (None,), "sparse": True, "dim": 4}}

CASES = [
    # `dec` steps over `classes` (teacher forcing; its lengths are the target's); `hyp` copies the search's
    # hypotheses of the same layer (weights shared), constructed after it. `decision` (decide) keeps dec's lengths.
    # (`prob` is an output layer so that the unit's params are constructed without the search as well.)
    c("beam_g_extra_search_own_time", {
        "dec": {"class": "rec", "from": [], "target": "classes", "max_seq_len": 10, "unit": {
            "emb": {"class": "linear", "activation": None, "with_bias": False, "n_out": 3, "from": "prev:output"},
            "h": {"class": "linear", "activation": "tanh", "n_out": 4, "from": ["emb", "prev:h"]},
            "prob": {"class": "softmax", "from": "h", "target": "classes", "is_output_layer": True},
            "output": {"class": "choice", "from": "prob", "target": "classes", "beam_size": 2, "initial_output": 0},
            "end": {"class": "compare", "from": "output", "value": 0},
        }},
        "decision": {"class": "decide", "from": "dec", "is_output_layer": True},
        "hyp": {"class": "copy", "from": "extra.search:dec", "is_output_layer": True},
        "output": {"class": "linear", "activation": None, "n_out": 3, "from": "dec"},
    }, outputs=("decision", "dec", "output"), extern_data=SEQ_CLASSES, seq_lens={"data:size1": [7, 5, 4], "classes:size1": [6, 4, 2]}),
]

CASES += [
    # A dot whose output keeps a static axis before the time axis: RETURNN's [B, 2, T] has its default feature axis
    # (the last static non-time axis, the 2) first, which Strata keeps last ([B, T, 2]); the linear layer after it
    # acts on that feature axis.
    c("dot_g_feature_axis_not_last", {
        "a": {"class": "linear", "activation": None, "n_out": 6, "from": "data"},
        "a_": {"class": "split_dims", "axis": "F", "dims": (2, 3), "from": "a"},
        "b": {"class": "linear", "activation": "tanh", "n_out": 6, "from": "data"},
        "b_": {"class": "split_dims", "axis": "F", "dims": (2, 3), "from": "b"},
        "b_mean": {"class": "reduce", "mode": "mean", "axis": "T", "from": "b_"},
        "energy": {"class": "dot", "from": ["a_", "b_mean"], "red1": "dim:3", "red2": "dim:3", "var1": "T", "var2": None,
                   "add_var2_if_empty": False},
        "weights": {"class": "softmax_over_spatial", "from": "energy"},
        "output": {"class": "linear", "activation": None, "n_out": 4, "from": "weights"},
    }, outputs=("energy", "weights", "output")),
]
