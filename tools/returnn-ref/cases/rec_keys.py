"""Cases: keys of the rec layer: initial_state (zeros/ones/var, per state part), sparse sources of a unit net dict
and of a cell unit (NativeLstm2 looks up rows of its input matrix: one-hot input), max_seq_len strings."""
from .basic import SPARSE, c

CASES = [
    # A trainable initial state (output/rec/initial_c, output/rec/initial_h; RETURNN inits them to zeros, the
    # generator sets random values so a wrong mapping shows).
    c("rec_initial_state_var", {"output": {"class": "rec", "unit": "nativelstm2", "n_out": 3, "initial_state": "var", "from": "data"}}),
    # Per state part as an object (RETURNN's LSTMStateTuple keys c, h).
    c("rec_initial_state_dict", {"output": {"class": "rec", "unit": "lstm", "n_out": 4, "initial_state": {"c": "ones", "h": "var"}, "from": "data"}}),
    # Per state part as a list in RETURNN's order (c, h), backwards in time: c = var, h = zeros (0).
    c("rec_initial_state_list_bw", {"output": {"class": "rec", "unit": "lstm", "n_out": 3, "direction": -1, "initial_state": ["var", 0], "from": "data"}}),
    # A one-part state (GRU): its variable is output/rec/initial_var.
    c("rec_initial_state_gru_var", {"output": {"class": "rec", "unit": "gru", "n_out": 4, "initial_state": "var", "from": "data"}}),
    # "ones" (1) for both parts.
    c("rec_initial_state_ones", {"output": {"class": "rec", "unit": "lstm", "n_out": 2, "initial_state": 1, "from": "data"}}),
    # A unit net dict over class indices: data:source is sparse, its linear layer embeds it.
    c("rec_unit_sparse_source", {"output": {"class": "rec", "from": "data", "unit": {
        "emb": {"class": "linear", "activation": None, "with_bias": False, "n_out": 4, "from": "data:source"},
        "output": {"class": "linear", "activation": "tanh", "n_out": 3, "from": ["emb", "prev:output"]},
    }}}, extern_data=SPARSE),
    # A cell unit over class indices (RETURNN's NativeLstm2 takes rows of W: the one-hot input's projection).
    c("rec_lstm_sparse_source", {"output": {"class": "rec", "unit": "nativelstm2", "n_out": 3, "from": "data"}}, extern_data=SPARSE),
]

CASES += [
    # prev: of a copy of the choice (class indices): its template is the target's, found before the loop is built.
    c("rec_prev_sparse_copy", {
        "dec": {"class": "rec", "from": [], "target": "classes", "unit": {
            "emb": {"class": "linear", "activation": None, "n_out": 3, "from": "prev:out_copy"},
            "h": {"class": "linear", "activation": "tanh", "n_out": 3, "from": ["emb", "prev:h"]},
            "prob": {"class": "softmax", "from": "h", "target": "classes", "is_output_layer": True},
            "output": {"class": "choice", "from": "prob", "target": "classes", "beam_size": 2, "initial_output": 0},
            "out_copy": {"class": "copy", "from": "output", "initial_output": 0},
        }},
        "output": {"class": "copy", "from": "dec/prob"},
    }, extern_data={"data": {"shape": (None, 5)}, "classes": {"shape": (None,), "sparse": True, "dim": 4}}),
]

CASES += [
    # slice over the time axis of class indices: still class indices (RETURNN keeps sparse_dim), embedded after.
    c("slice_sparse_time", {
        "sl": {"class": "slice", "axis": "T", "slice_start": 1, "slice_end": -1, "from": "data"},
        "output": {"class": "linear", "activation": None, "n_out": 3, "from": "sl"},
    }, outputs=("sl", "output"), extern_data=SPARSE),
    c("slice_sparse_step", {"output": {"class": "slice", "axis": "T", "slice_step": 2, "from": "data"}}, extern_data=SPARSE),
]

CASES += [
    # unit_opts RETURNN passes to the cell: NativeLstm2's forget_bias (0) and rec_weight_dropout (training only).
    c("rec_unit_opts_native", {"output": {"class": "rec", "unit": "nativelstm2", "n_out": 3, "unit_opts": {"forget_bias": 0.0, "rec_weight_dropout": 0.2}, "from": "data"}}),
    # TF's LSTMCell with its default forget_bias 1.0 given explicitly, and a trainable initial state.
    c("rec_unit_opts_standard", {"output": {"class": "rec", "unit": "standardlstm", "n_out": 3, "unit_opts": {"forget_bias": 1.0}, "initial_state": "var", "from": "data"}}),
]

CASES += [
    # A rec layer with a cell unit inside a unit: one step per frame, its state carried from frame to frame.
    c("rec_unit_inner_lstm", {"output": {"class": "rec", "from": "data", "unit": {
        "lstm": {"class": "rec", "unit": "nativelstm2", "n_out": 3, "from": ["data:source", "prev:output"]},
        "output": {"class": "linear", "activation": "tanh", "n_out": 2, "from": "lstm"},
    }}}),
]

CASES += [
    # self_attention on frames inside a unit: each frame's query over the keys/values of frames 0..t (kept as rec state).
    c("rec_unit_self_att_frames", {"output": {"class": "rec", "from": "data", "unit": {
        "att": {"class": "self_attention", "from": ["data:source", "prev:output"], "num_heads": 2, "total_key_dim": 4, "n_out": 6, "attention_left_only": True},
        "output": {"class": "linear", "activation": "tanh", "n_out": 3, "from": "att"},
    }}}),
]

CASES += [
    # initial_output of unit layers read as prev: at the first frame: "ones", and True for a bool layer.
    c("rec_initial_output_ones_true", {"output": {"class": "rec", "from": "data", "unit": {
        "h": {"class": "linear", "activation": "tanh", "n_out": 3, "from": ["data:source", "prev:h"], "initial_output": "ones"},
        "pos": {"class": "compare", "kind": "greater", "from": "h", "value": 0.0, "initial_output": True},
        "output": {"class": "eval", "from": ["h", "prev:pos"], "eval": "source(0) * tf.cast(source(1), tf.float32) + 0.5"},
    }}}),
]
