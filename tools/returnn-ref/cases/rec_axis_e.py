"""Cases: a `rec` layer without sources and its `axis` Dim (RETURNN RecLayer `axis`): over an extern data's time axis,
or over a new axis whose lengths the unit's `end` layer gives (bounded by `max_seq_len` / `max_seq_len_via`,
`include_eos`); `initial_output` given as a layer outside the loop ("base:<layer>"); `constant` with `batch_dim`
first in `shape`."""
from .dims_f import BATCH, TIME, FEAT, DIMS5, d

LOOP = {"dim": "loop-e", "kind": "spatial", "size": None}


def _counter_unit(end_from):
    """A unit counting 1, 2, ... from the `base:start` layer (initial_output); `end` from `end_from`; output the count
    times the time-mean of the input."""
    return {
        "i": {"class": "combine", "kind": "add", "from": ["prev:i", "one"], "initial_output": "base:start"},
        "one": {"class": "constant", "value": 1.0, "dtype": "float32"},
        "end": {"class": "compare", "kind": "greater_equal", "from": ["i", end_from]},
        "mean": {"class": "reduce", "mode": "mean", "from": "base:data:data", "axis": TIME},
        "output": {"class": "combine", "kind": "mul", "from": ["i", "mean"]},
    }


def _end_net(include_eos, **rec_keys):
    return {
        "start": {"class": "constant", "value": 0.5, "dtype": "float32", "shape": [BATCH]},
        "len": {"class": "length", "from": "data", "axis": TIME},
        "thr": {"class": "cast", "from": "len", "dtype": "float32"},
        "output": {"class": "rec", "from": [], "axis": LOOP, "include_eos": include_eos,
                   "unit": _counter_unit("base:thr"), **rec_keys},
    }


CASES = [
    d("rec_axis_e_extern_time_no_source", {
        "output": {"class": "rec", "from": [], "axis": TIME, "unit": {
            "x": {"class": "rec_unstack", "from": "base:data:data"},
            "output": {"class": "linear", "activation": "tanh", "n_out": 4, "from": ["x", "prev:output"]},
        }},
    }, seq_lens={"data:size1": [7, 5, 4]}),
    # Sequences end at different frames (thresholds 7, 5, 4 from the lengths; the count starts at 1.5).
    d("rec_axis_e_end_include_eos", _end_net(True, max_seq_len=10), outputs=["output", "start"],
      seq_lens={"data:size1": [7, 5, 4]}),
    d("rec_axis_e_end_without_eos", _end_net(False, max_seq_len=10), seq_lens={"data:size1": [7, 5, 4]}),
    # max_seq_len_via (a scalar layer) stops the loop before any sequence ends.
    d("rec_axis_e_max_seq_len_via", {**_end_net(True, max_seq_len_via="maxlen"),
                                     "maxlen": {"class": "constant", "value": 3}}, seq_lens={"data:size1": [7, 5, 4]}),
]

SINGLE_STEP = {"dim": "single-step", "kind": "spatial", "size": 1, "special": True}
CASES += [
    # One LSTM step from an explicit state (different h and c layers, so their order counts).
    d("rec_axis_e_single_step_state", {
        "x": {"class": "reduce", "mode": "mean", "from": "data", "axis": TIME},
        "h": {"class": "linear", "activation": "tanh", "n_out": 4, "from": "x"},
        "c": {"class": "linear", "activation": None, "n_out": 4, "from": "x"},
        "output": {"class": "rec", "unit": "lstm", "n_out": 4, "from": "x", "state": {"h": "h", "c": "c"}},
    }, outputs=["output", "h", "c"]),
    # axis single_step_dim on an input with a time axis: one step from zeros at each frame.
    d("rec_axis_e_single_step_dim_over_time", {
        "output": {"class": "rec", "unit": "lstm", "n_out": 3, "from": "data", "axis": SINGLE_STEP},
    }, seq_lens={"data:size1": [7, 5, 4]}),
]

CASES += [
    # prev: template of a switch whose false_from is its own prev: RETURNN infers it from true_from (":i", int32) and the
    # condition ([B] bool), the uninitialized prev: template a dummy scalar; the frame index since the last positive frame.
    d("rec_axis_e_prev_switch_template", {
        "output": {"class": "rec", "from": "data", "unit": {
            "red": {"class": "reduce", "mode": "mean", "from": "data:source", "axis": FEAT},
            "flag": {"class": "compare", "from": "red", "kind": "greater", "value": 0.0},
            "start": {"class": "switch", "condition": "prev:flag", "true_from": ":i", "false_from": "prev:start",
                      "initial_output": 0},
            "output": {"class": "combine", "kind": "sub", "from": [":i", "start"]},
        }},
    }, seq_lens={"data:size1": [7, 5, 4]}),
]

HID = {"dim": "hid-e", "kind": "feature", "size": 4}
CASES += [
    # concat's (layer, Dim) pairs (RETURNN ConcatLayer): each Dim an axis of its own source.
    d("rec_axis_e_concat_dim_pairs", {
        "lin": {"class": "linear", "activation": "tanh", "from": "data", "out_dim": HID},
        "output": {"class": "concat", "from": [["data", FEAT], ["lin", HID]]},
    }, seq_lens={"data:size1": [7, 5, 4]}),
]

CASES += [
    # range_from_length of a scalar (the longest length): a batchless axis with one (scalar) length; a rec over it.
    d("rec_axis_e_range_of_scalar_rec", {
        "len": {"class": "length", "from": "data"},
        "max_len": {"class": "reduce", "from": "len", "mode": "max", "axis": "B", "out_shape": []},
        "range": {"class": "range_from_length", "from": "max_len"},
        "output": {"class": "rec", "from": "range", "unit": {
            "acc": {"class": "combine", "kind": "add", "from": ["data:source", "prev:acc"], "initial_output": 2},
            "output": {"class": "combine", "kind": "mul", "from": ["acc", "data:source"]}}},
    }, outputs=["output", "range"], seq_lens={"data:size1": [6, 5, 4]}),
]
