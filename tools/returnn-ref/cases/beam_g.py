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
