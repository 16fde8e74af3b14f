"""Cases: TF LSTMCell options of RETURNN's StandardLSTM (use_peepholes, forget_bias, cell_clip), RETURNN's
ZoneoutLSTMCell (evaluation), the trainable initial state of an rnn_cell, and sparse inputs (class indices) into a
softmax and into a native LSTM run one frame at a time inside a rec unit."""
from .basic import SPARSE, c

CASES = [
    # TF's LSTMCell with peepholes (rec/lstm_cell/w_f_diag, w_i_diag, w_o_diag) and forget_bias 0 (nothing added).
    c("lstm_std_peepholes_fb0", {"output": {"class": "rec", "unit": "standardlstm", "n_out": 4, "from": "data",
                                            "unit_opts": {"use_peepholes": True, "forget_bias": 0.0}}}),
    # Backwards, the default forget_bias 1.0, cell_clip, and a trainable initial state (rec/initial_c, rec/initial_h).
    c("lstm_std_peepholes_clip_bw", {"output": {"class": "rec", "unit": "StandardLSTM", "n_out": 3, "from": "data", "direction": -1,
                                                "initial_state": "var",
                                                "unit_opts": {"use_peepholes": True, "cell_clip": 0.3}}}),
    # forget_bias 0.5 without peepholes.
    c("lstm_std_fb_half", {"output": {"class": "rec", "unit": "standardlstm", "n_out": 3, "from": "data",
                                      "unit_opts": {"forget_bias": 0.5}}}),
    # An rnn_cell with peepholes in a rec unit, its state from a trainable initial state (s/initial_c, s/initial_h).
    c("lstm_rnn_cell_peepholes_var", {"output": {"class": "rec", "from": "data", "unit": {
        "s": {"class": "rnn_cell", "unit": "standardlstm", "n_out": 3, "from": ["data:source", "prev:output"],
              "initial_state": "var", "unit_opts": {"use_peepholes": True, "forget_bias": 0.0}},
        "output": {"class": "linear", "activation": "tanh", "n_out": 2, "from": "s"},
    }}}),
    # ZoneoutLSTM over time (evaluation: (1 - z) * new + z * prev), output before zoneout (behavior version < 17).
    c("lstm_zoneout_rec", {"output": {"class": "rec", "unit": "ZoneoutLSTM", "n_out": 4, "from": "data",
                                      "unit_opts": {"zoneout_factor_cell": 0.3, "zoneout_factor_output": 0.2}}}),
    # Behavior version 17: the output is the zoned-out h; inside a rec unit, one frame at a time.
    c("lstm_zoneout_unit_v17", {"output": {"class": "rec", "from": "data", "optimize_move_layers_out": False, "unit": {
        "lstm": {"class": "rec", "unit": "ZoneoutLSTM", "n_out": 3, "from": "data:source",
                 "unit_opts": {"zoneout_factor_cell": 0.25, "zoneout_factor_output": 0.4}},
        "output": {"class": "copy", "from": "lstm"},
    }}}, behavior_version=17),
    # A softmax on class indices: rows of W plus b (RETURNN's SoftmaxLayer is a LinearLayer: embedding_lookup).
    c("softmax_sparse_source", {"output": {"class": "softmax", "n_out": 4, "from": "data"}}, extern_data=SPARSE),
    # A native LSTM on class indices one frame at a time inside a rec unit (RETURNN: embedding_lookup of rec/W).
    c("lstm_native_sparse_in_unit", {"output": {"class": "rec", "from": "data", "optimize_move_layers_out": False, "unit": {
        "lstm": {"class": "rec", "unit": "nativelstm2", "n_out": 3, "from": "data:source"},
        "output": {"class": "linear", "activation": None, "n_out": 2, "from": "lstm"},
    }}}, extern_data=SPARSE),
]

CASES += [
    # get_last_hidden_state of prev:s, an rnn_cell of the unit (RETURNN RnnCellLayer.get_last_hidden_state): key "*" is
    # the LSTMStateTuple (c, h) concatenated, "c" the cell state; s has a trainable initial state, so frame 0 reads it.
    c("lstm_rnn_cell_last_hidden_state", {"output": {"class": "rec", "from": "data", "unit": {
        "prev_state": {"class": "get_last_hidden_state", "from": "prev:s", "n_out": 6},
        "prev_c": {"class": "get_last_hidden_state", "from": "prev:s", "key": "c", "n_out": 3},
        "s": {"class": "rnn_cell", "unit": "standardlstm", "n_out": 3, "initial_state": "var",
              "from": ["data:source", "prev:output"], "unit_opts": {"use_peepholes": True, "forget_bias": 0.0}},
        "output": {"class": "linear", "activation": None, "n_out": 4, "from": ["s", "prev_state", "prev_c"]},
    }}}),
    # initial_output "apply(0)": prev:emb at the first frame is emb on zeroed sources (row 0 of W for the class indices).
    c("rec_initial_output_apply0", {"output": {"class": "rec", "from": "data", "unit": {
        "emb": {"class": "linear", "activation": "tanh", "with_bias": True, "n_out": 3, "from": "data:source", "initial_output": "apply(0)"},
        "output": {"class": "combine", "kind": "add", "from": ["emb", "prev:emb"]},
    }}}, extern_data=SPARSE),
]
