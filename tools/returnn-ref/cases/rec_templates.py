"""Cases: rec units whose prev: layers have no n_out (RETURNN infers their templates), sub-layer references
"<rec>/<layer>" from outside a rec layer, and subnetwork variants."""
from .basic import c

CASES = [
    # A prev: chain of two layers: h1 reads prev:h2, h2 is made from h1; neither has n_out.
    c("rec_unit_prev_chain", {"output": {"class": "rec", "from": "data", "unit": {
        "h1": {"class": "combine", "kind": "add", "from": ["data:source", "prev:h2"]},
        "h2": {"class": "activation", "activation": "tanh", "from": "h1"},
        "output": {"class": "linear", "activation": None, "n_out": 3, "from": ["h2", "prev:output"]},
    }}}),
    # A unit layer referenced from outside the rec layer: its frames over the rec's time axis (RETURNN needs
    # is_output_layer (or a loss) for a layer that stays inside the loop).
    c("rec_sublayer_ref", {
        "loop": {"class": "rec", "from": "data", "unit": {
            "lin": {"class": "linear", "activation": "tanh", "n_out": 4, "from": ["data:source", "prev:output"], "is_output_layer": True},
            "output": {"class": "combine", "kind": "add", "from": ["lin", "prev:output"]},
        }},
        "output": {"class": "combine", "kind": "mul", "from": ["loop/lin", "loop"]},
    }),
]

CASES += [
    # A subnetwork of two sources (concatenated as "data" inside) reading a layer of the enclosing network via base:.
    c("subnetwork_sources_base", {
        "a": {"class": "linear", "activation": None, "n_out": 4, "from": "data"},
        "sub": {"class": "subnetwork", "from": ["data", "a"], "subnetwork": {
            "h": {"class": "linear", "activation": "tanh", "n_out": 4, "from": "data"},
            "output": {"class": "combine", "kind": "add", "from": ["h", "base:a"]},
        }},
        "output": {"class": "linear", "activation": None, "n_out": 3, "from": ["sub", "sub/h"]},
    }),
    # A subnetwork inside a rec unit, fed with the frame and prev:output.
    c("rec_unit_subnetwork", {"output": {"class": "rec", "from": "data", "unit": {
        "sub": {"class": "subnetwork", "from": ["data:source", "prev:output"], "subnetwork": {
            "h": {"class": "linear", "activation": "tanh", "n_out": 3, "from": "data"},
            "output": {"class": "linear", "activation": None, "n_out": 3, "from": ["h", "data"]},
        }},
        "output": {"class": "linear", "activation": "tanh", "n_out": 3, "from": ["sub", "prev:output"]},
    }}}),
]

CASES += [
    # The last hidden states of a forward and a backward LSTM (frame len-1 and frame 0), concatenated.
    c("get_last_hidden_state_blstm", {
        "fwd": {"class": "rec", "unit": "LSTMBlock", "direction": 1, "n_out": 3, "from": "data"},
        "bwd": {"class": "rec", "unit": "LSTMBlock", "direction": -1, "n_out": 3, "from": "data"},
        "output": {"class": "get_last_hidden_state", "from": ["fwd", "bwd"], "key": "h", "n_out": 6},
    }),
    # GRU states (one tensor each: key "*"), added.
    c("get_last_hidden_state_gru_add", {
        "g1": {"class": "rec", "unit": "gru", "n_out": 4, "from": "data"},
        "g2": {"class": "rec", "unit": "gru", "n_out": 4, "from": "data"},
        "output": {"class": "get_last_hidden_state", "from": ["g1", "g2"], "key": "*", "combine": "add", "n_out": 4},
    }),
]

CASES += [
    # Chunks through a per-frame layer and back: overlapping frames are the mean of their chunks.
    c("time_unchunking_linear", {
        "chunks": {"class": "time_chunking", "chunk_size": 3, "chunk_step": 2, "from": "data"},
        "lin": {"class": "linear", "activation": "tanh", "n_out": 4, "from": "chunks"},
        "output": {"class": "time_unchunking", "chunking_layer": "chunks", "from": "lin"},
    }),
    # An LSTM run on each chunk on its own (chunk lengths mask it), then unchunked.
    c("time_unchunking_rec", {
        "chunks": {"class": "time_chunking", "chunk_size": 4, "chunk_step": 3, "from": "data"},
        "lstm": {"class": "rec", "unit": "nativelstm2", "n_out": 3, "from": "chunks"},
        "output": {"class": "time_unchunking", "chunking_layer": "chunks", "from": "lstm"},
    }),
]
