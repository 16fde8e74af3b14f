"""Cases: rec (cells and unit sub-networks), attention, positional encodings, subnetwork, scatter."""
from .basic import SEQ5, SEQ6, SPARSE, c

SEQ8 = {"data": {"shape": (None, 8)}}
ATT_DATA = {"data": {"shape": (None, 5)}, "classes": {"shape": (None,), "sparse": True, "dim": 6}}


def explicit_lstm_unit(n):
    """An LSTM written out of layers inside a rec unit (gates i, f, j, o as RETURNN's NativeLstm orders them)."""
    return {
        "gates": {"class": "linear", "activation": None, "n_out": 4 * n, "from": ["data:source", "prev:output"]},
        "i": {"class": "slice", "axis": "F", "slice_start": 0, "slice_end": n, "from": "gates"},
        "j": {"class": "slice", "axis": "F", "slice_start": n, "slice_end": 2 * n, "from": "gates"},
        "f": {"class": "slice", "axis": "F", "slice_start": 2 * n, "slice_end": 3 * n, "from": "gates"},
        "o": {"class": "slice", "axis": "F", "slice_start": 3 * n, "slice_end": 4 * n, "from": "gates"},
        "c": {"class": "eval", "from": ["i", "j", "f", "prev:c"],
              "eval": "tf.sigmoid(source(2)) * source(3) + tf.sigmoid(source(0)) * tf.tanh(source(1))"},
        "output": {"class": "eval", "from": ["o", "c"], "eval": "tf.sigmoid(source(0)) * tf.tanh(source(1))"},
    }


def attention_decoder(att):
    """RETURNN's attention decoder (as in its tests/demos), teacher-forced by the choice layer outside search."""
    return {
        "output": {"class": "choice", "target": "classes", "beam_size": 3, "from": "output_prob", "initial_output": 0},
        "target_embed": {"class": "linear", "activation": None, "with_bias": False, "from": "output", "n_out": 4, "initial_output": 0},
        "s": {"class": "rnn_cell", "unit": "LSTMBlock", "from": ["prev:target_embed", "prev:att"], "n_out": 6},
        "s_transformed": {"class": "linear", "activation": None, "with_bias": False, "from": "s", "n_out": 6},
        **att,
        "readout": {"class": "linear", "activation": "tanh", "from": ["s", "prev:target_embed", "att"], "n_out": 6},
        "output_prob": {"class": "softmax", "from": "readout", "target": "classes", "loss": "ce", "is_output_layer": True},
    }


ENCODER = {
    "enc": {"class": "rec", "unit": "nativelstm2", "n_out": 4, "from": "data"},
    "enc_ctx": {"class": "linear", "activation": None, "with_bias": True, "from": "enc", "n_out": 6},
}

CASES = [
    c("rec_lstm", {"output": {"class": "rec", "unit": "lstm", "n_out": 4, "from": "data"}}),
    c("rec_nativelstm2", {"output": {"class": "rec", "unit": "nativelstm2", "n_out": 4, "from": "data"}}),
    c("rec_NativeLstm2_bwd", {"output": {"class": "rec", "unit": "NativeLstm2", "direction": -1, "n_out": 3, "from": "data"}}),
    c("rec_nativelstm", {"output": {"class": "rec", "unit": "nativelstm", "n_out": 4, "from": "data"}}),
    c("rec_LSTMBlock", {"output": {"class": "rec", "unit": "LSTMBlock", "n_out": 4, "from": "data"}}),
    c("rec_LSTMBlock_unroll", {"output": {"class": "rec", "unit": "LSTMBlock", "unroll": True, "n_out": 3, "from": "data"}}),
    c("rec_LSTMBlockFused", {"output": {"class": "rec", "unit": "LSTMBlockFused", "n_out": 4, "from": "data"}}),
    c("rec_standardlstm", {"output": {"class": "rec", "unit": "standardlstm", "n_out": 4, "from": "data"}}),
    c("rec_basiclstm", {"output": {"class": "rec", "unit": "basiclstm", "n_out": 4, "from": "data"}}),
    c("rec_gru", {"output": {"class": "rec", "unit": "gru", "n_out": 4, "from": "data"}}),
    c("rec_basicrnn", {"output": {"class": "rec", "unit": "basicrnn", "n_out": 4, "from": "data"}}),
    c("rec_blstm", {
        "fwd": {"class": "rec", "unit": "nativelstm2", "direction": 1, "n_out": 3, "from": "data"},
        "bwd": {"class": "rec", "unit": "nativelstm2", "direction": -1, "n_out": 3, "from": "data"},
        "output": {"class": "softmax", "n_out": 4, "from": ["fwd", "bwd"]},
    }, outputs=["fwd", "bwd", "output"]),
    c("rec_lstm_forward_weights_init", {"output": {"class": "rec", "unit": "nativelstm2", "n_out": 4, "from": "data",
                                                   "forward_weights_init": "random_normal_initializer(stddev=0.1)"}}),
    c("rec_unit_simple_rnn", {"output": {"class": "rec", "from": "data", "unit": {
        "lin": {"class": "linear", "activation": "tanh", "n_out": 4, "from": ["data:source", "prev:output"]},
        "output": {"class": "combine", "kind": "add", "from": ["lin", "prev:output"]},
    }}}),
    c("rec_unit_explicit_lstm", {"output": {"class": "rec", "from": "data", "unit": explicit_lstm_unit(3)}}),
    c("rec_unit_rnn_cell", {"output": {"class": "rec", "from": "data", "unit": {
        "cell": {"class": "rnn_cell", "unit": "LSTMBlock", "n_out": 4, "from": ["data:source"]},
        "output": {"class": "linear", "activation": "relu", "n_out": 3, "from": ["cell", "prev:output"]},
    }}}),
    c("rec_unit_cumulative", {"output": {"class": "rec", "from": "data", "unit": {
        "acc": {"class": "combine", "kind": "add", "from": ["prev:acc", "data:source"]},
        "output": {"class": "activation", "activation": "tanh", "from": "acc"},
    }}}),
    c("get_last_hidden_state", {
        "lstm": {"class": "rec", "unit": "LSTMBlock", "n_out": 3, "from": "data"},
        "output": {"class": "get_last_hidden_state", "from": "lstm", "key": "h", "n_out": 3},
    }),
    c("self_attention", {"output": {"class": "self_attention", "num_heads": 2, "total_key_dim": 4, "n_out": 6, "from": "data"}}),
    c("self_attention_left_only", {"output": {"class": "self_attention", "attention_left_only": True, "num_heads": 2,
                                              "total_key_dim": 6, "n_out": 4, "from": "data"}}),
    c("positional_encoding_add", {"output": {"class": "positional_encoding", "add_to_input": True, "from": "data"}}, extern_data=SEQ6),
    c("positional_encoding_n_out", {"output": {"class": "positional_encoding", "n_out": 6, "from": "data"}}),
    c("relative_positional_encoding", {"output": {"class": "relative_positional_encoding", "n_out": 4, "clipping": 3, "from": "data"}}),
    c("relative_positional_encoding_fixed", {"output": {"class": "relative_positional_encoding", "n_out": 4, "fixed": True, "from": "data"}}),
    c("attention_decoder_generic", {
        **ENCODER,
        "dec": {"class": "rec", "from": [], "target": "classes", "unit": attention_decoder({
            "energy_in": {"class": "combine", "kind": "add", "from": ["base:enc_ctx", "s_transformed"]},
            "energy_tanh": {"class": "activation", "activation": "tanh", "from": "energy_in"},
            "energy": {"class": "linear", "activation": None, "with_bias": False, "from": "energy_tanh", "n_out": 1},
            "att_weights": {"class": "softmax_over_spatial", "from": "energy"},
            "att": {"class": "generic_attention", "weights": "att_weights", "base": "base:enc"},
        })},
        "output": {"class": "copy", "from": "dec/output_prob"},
    }, outputs=["enc", "output"], extern_data=ATT_DATA, n_time=6, seq_lens={"data:size1": [6, 4, 3], "classes:size1": [4, 5, 2]}),
    c("attention_decoder_dot", {
        **ENCODER,
        "dec": {"class": "rec", "from": [], "target": "classes", "unit": attention_decoder({
            "energy": {"class": "dot", "from": ["base:enc_ctx", "s_transformed"], "red1": "F", "red2": "F", "var1": "T", "var2": None},
            "att_weights": {"class": "softmax_over_spatial", "from": "energy"},
            "att": {"class": "generic_attention", "weights": "att_weights", "base": "base:enc"},
        })},
        "output": {"class": "copy", "from": "dec/output_prob"},
    }, outputs=["output"], extern_data=ATT_DATA, n_time=6, seq_lens={"data:size1": [6, 4, 3], "classes:size1": [4, 5, 2]}),
    c("attention_decoder_dot_attention", {
        **ENCODER,
        "dec": {"class": "rec", "from": [], "target": "classes", "unit": attention_decoder({
            "att": {"class": "dot_attention", "from": "s_transformed", "base": "base:enc_ctx", "base_ctx": "base:enc_ctx"},
        })},
        "output": {"class": "copy", "from": "dec/output_prob"},
    }, outputs=["output"], extern_data=ATT_DATA, n_time=6, seq_lens={"data:size1": [6, 4, 3], "classes:size1": [4, 5, 2]}),
    c("dot_matmul", {
        "a": {"class": "linear", "activation": None, "n_out": 4, "from": "data"},
        "b": {"class": "linear", "activation": None, "n_out": 4, "from": "data"},
        "output": {"class": "dot", "from": ["a", "b"], "red1": "F", "red2": "F", "var1": "T", "var2": "T"},
    }),
    c("softmax_over_spatial", {
        "energy": {"class": "linear", "activation": None, "n_out": 1, "from": "data"},
        "output": {"class": "softmax_over_spatial", "from": "energy"},
    }),
    c("subnetwork", {"output": {"class": "subnetwork", "from": "data", "subnetwork": {
        "a": {"class": "linear", "activation": "relu", "n_out": 6, "from": "data"},
        "output": {"class": "linear", "activation": None, "n_out": 3, "from": ["a", "data"]},
    }}}),
    c("subnetwork_sublayer_ref", {
        "sub": {"class": "subnetwork", "from": "data", "subnetwork": {
            "a": {"class": "linear", "activation": "tanh", "n_out": 4, "from": "data"},
            "output": {"class": "copy", "from": "a"},
        }},
        "output": {"class": "combine", "kind": "add", "from": ["sub/a", "sub"]},
    }),
    c("unflatten_nd", {"output": {"class": "unflatten_nd", "from": "data", "sizes": "data:sizes", "num_axes": 2}},
      extern_data={"data": {"shape": (None, 2)}, "sizes": {"shape": (2,), "dtype": "int32"}},
      n_time=6, seq_lens={"data:size1": [6, 4, 3]}, input_values={"sizes": [[2, 3], [2, 2], [1, 3]]}),
    c("scatter_nd", {
        "range": {"class": "range_in_axis", "from": "data", "axis": "T"},
        "pos": {"class": "eval", "from": "range", "eval": "(source(0) + 2) % 7"},
        "output": {"class": "scatter_nd", "from": "data", "position": "pos", "position_axis": "T",
                   "output_dim_via_time_from": "data", "filter_invalid_indices": True},
    }),
]
