"""Cases: RETURNN's control-flow classes: `cond` (tf.cond on a scalar bool; outside and inside a rec unit)."""
from .basic import c

# A scalar bool (no batch axis) that is not a constant (tf.cond on a constant builds only the taken branch, so the
# other branch would have no params): a scalar variable (its value random in the fixture) compared with 0.
_VAR = {"class": "variable", "shape": (), "add_batch_axis": False}


def _flag(kind):
    return {"class": "compare", "kind": kind, "value": 0.0, "from": "var"}


def _cond_net(flag):
    return {
        "src": {"class": "linear", "activation": "tanh", "n_out": 4, "from": "data"},
        "var": _VAR,
        "pos": _flag(flag),
        "cond": {
            "class": "cond", "from": [],
            "condition": "pos",
            # A sub-network branch: its params are cond/lin/W, cond/lin/b; "base:" is the cond's network.
            "true_layer": {"class": "subnetwork", "from": "data", "subnetwork": {
                "lin": {"class": "linear", "activation": "tanh", "n_out": 4, "from": "data"},
                "output": {"class": "combine", "kind": "add", "from": ["lin", "base:src"]},
            }},
            # A plain layer branch: its params are cond/W, cond/b.
            "false_layer": {"class": "linear", "activation": "sigmoid", "n_out": 4, "from": "src"},
        },
        "output": {"class": "copy", "from": "cond"},
    }


CASES = [
    c("cond_true_branch", _cond_net("greater"), outputs=["pos", "output"], description="the condition holds: the true branch"),
    c("cond_false_branch", _cond_net("less_equal"), outputs=["pos", "output"], description="the condition fails: the false branch"),
    # The condition as a layer dict, the branches plain layers without params (train_flag is False in the fixtures).
    c("cond_dict_condition", {
        "cond": {"class": "cond", "from": [],
                 "condition": {"class": "train_flag"},
                 "true_layer": {"class": "activation", "activation": "tanh", "from": "data"},
                 "false_layer": {"class": "activation", "activation": "relu", "from": "data"}},
        "output": {"class": "linear", "activation": None, "n_out": 3, "from": "cond"},
    }),
    # Inside a rec unit: a scalar condition from outside (base:), the branches per frame.
    c("cond_in_rec_unit", {
        "var": _VAR,
        "pos": _flag("greater"),
        "output": {"class": "rec", "from": "data", "unit": {
            "cond": {"class": "cond", "from": [],
                     "condition": "base:pos",
                     "true_layer": {"class": "linear", "activation": "tanh", "n_out": 3, "from": ["data:source", "prev:output"]},
                     "false_layer": {"class": "copy", "from": "prev:output"}},
            "output": {"class": "combine", "kind": "add", "from": ["cond", "prev:output"], "n_out": 3},
        }},
    }),
    c("cond_in_rec_unit_false", {
        "var": _VAR,
        "pos": _flag("less_equal"),
        "output": {"class": "rec", "from": "data", "unit": {
            "lin": {"class": "linear", "activation": "tanh", "n_out": 3, "from": ["data:source", "prev:output"]},
            "cond": {"class": "cond", "from": [],
                     "condition": "base:pos",
                     "true_layer": {"class": "copy", "from": "prev:output"},
                     "false_layer": {"class": "combine", "kind": "mul", "from": ["lin", "lin"]}},
            "output": {"class": "combine", "kind": "add", "from": ["cond", "lin"]},
        }},
    }),
]

# RETURNN's rec internals: rec_unstack (frame t of a base: layer over the rec's time axis), rec_last_output (the last
# frame of a unit layer with need_last, per sequence).
CASES += [
    c("rec_unstack_base", {
        "lin": {"class": "linear", "activation": "tanh", "n_out": 3, "from": "data"},
        "output": {"class": "rec", "from": "data", "unit": {
            "u": {"class": "rec_unstack", "from": "base:lin"},
            "v": {"class": "rec_unstack", "from": "base:lin", "axis": "T"},
            "h": {"class": "linear", "activation": "tanh", "n_out": 3, "from": ["data:source", "prev:output"]},
            "output": {"class": "combine", "kind": "add", "from": ["u", "h", "v"]},
        }},
    }),
    # Outside a rec layer, with an axis: the source as it is.
    c("rec_unstack_outside", {
        "output": {"class": "rec_unstack", "from": "data", "axis": "T"},
    }),
    # need_last on a layer inside the loop (it reads prev:) and on one moved out of it (only data:source).
    c("rec_last_output", {
        "loop": {"class": "rec", "from": "data", "unit": {
            "acc": {"class": "combine", "kind": "add", "from": ["prev:acc", "lin"], "need_last": True},
            "lin": {"class": "linear", "activation": "tanh", "n_out": 3, "from": "data:source", "need_last": True},
            "output": {"class": "linear", "activation": "tanh", "n_out": 2, "from": ["acc", "prev:output"]},
        }},
        "loop_copy": {"class": "copy", "from": "loop"},
        "last_acc": {"class": "rec_last_output", "rec_layer": "loop", "sub_layer_name": "acc"},
        "last_lin": {"class": "rec_last_output", "rec_layer": "loop_copy", "sub_layer_name": "lin"},
        "output": {"class": "copy", "from": ["last_acc", "last_lin"]},
    }, outputs=["last_acc", "last_lin", "output"]),
]


def _with_dim_tags(network):
    """The dict for RETURNN: each "out_spatial_dim" string becomes one SpatialDim of that description (the same
    object for the same string), as a RETURNN config writes `new_dim = SpatialDim("...")` once and uses it."""
    from returnn.tf.util.data import SpatialDim

    dims = {}

    def conv(d):
        if isinstance(d, dict):
            return {k: (dims.setdefault(v, SpatialDim(v)) if k == "out_spatial_dim" else conv(v)) for k, v in d.items()}
        return d

    return conv(network)


# cum_concat inside a rec unit: the frames so far, [B, t+1, F] at frame t; self-attention over them
# (RETURNN's test_reclayer_optimize_out_cum_concat_gen_self_att, with separate q, k, v layers, which read prev:output so
# that all stays in the loop). There the new axis is the only dynamic one, so "T" names it (Strata's dot and
# softmax_over_spatial resolve axes on shapes, not "stag:cum_new"; moved out of the loop, "T" would be the rec's time).
CASES += [
    c("cum_concat_self_att", {"output": {"class": "rec", "from": "data", "unit": {
        "q": {"class": "linear", "activation": None, "n_out": 4, "from": ["data:source", "prev:output"]},
        "k": {"class": "linear", "activation": None, "n_out": 4, "from": ["data:source", "prev:output"]},
        "v": {"class": "linear", "activation": None, "n_out": 3, "from": ["data:source", "prev:output"]},
        "k_accum": {"class": "cum_concat", "out_spatial_dim": "cum_new", "from": "k"},
        "v_accum": {"class": "cum_concat", "out_spatial_dim": "cum_new", "from": "v"},
        "energy": {"class": "dot", "from": ["q", "k_accum"], "red1": "F", "red2": "F", "var1": None, "var2": "T"},
        "att_weights": {"class": "softmax_over_spatial", "from": "energy"},
        "att": {"class": "dot", "from": ["att_weights", "v_accum"], "red1": "T", "red2": "T", "var1": None, "var2": "F"},
        "output": {"class": "linear", "activation": "tanh", "n_out": 3, "from": ["att", "prev:output"]},
    }}}, returnn_network=_with_dim_tags),
]

# masked_computation inside a rec unit: where the mask holds, the unit runs (an LSTM cell: its state moves on), else
# the layer keeps its previous output and the cell its state; unmask inside the loop is the identity. The masked
# layers read prev:output, so that RETURNN keeps them in the loop (moved out, this net fails in RETURNN's GatherNd).
_MASK = {
    "sum": {"class": "reduce", "mode": "sum", "axis": "F", "from": "data:source"},
    "mask": {"class": "compare", "kind": "greater", "value": 0.0, "from": "sum"},
}
CASES += [
    c("masked_computation_rnn_cell", {"output": {"class": "rec", "from": "data", "unit": {
        **_MASK,
        "x": {"class": "combine", "kind": "add", "from": ["data:source", "prev:output"]},
        "masked": {"class": "masked_computation", "mask": "mask", "from": "x",
                   "unit": {"class": "rnn_cell", "unit": "LSTMBlock", "n_out": 5, "from": "data"}},
        "unmask": {"class": "unmask", "from": "masked", "mask": "mask"},
        "output": {"class": "linear", "activation": "tanh", "n_out": 5, "from": ["unmask", "data:source"]},
    }}}),
    # A unit without state, and a layer that keeps the loop (prev:output): the previous output where the mask fails.
    c("masked_computation_linear_in_loop", {"output": {"class": "rec", "from": "data", "unit": {
        **_MASK,
        "h": {"class": "linear", "activation": "tanh", "n_out": 3, "from": ["data:source", "prev:output"]},
        "masked": {"class": "masked_computation", "mask": "mask", "from": "h",
                   "unit": {"class": "linear", "activation": "tanh", "n_out": 3, "from": "data"}},
        "unmask": {"class": "unmask", "from": "masked", "mask": "mask"},
        "output": {"class": "combine", "kind": "add", "from": ["unmask", "h"]},
    }}}),
]
