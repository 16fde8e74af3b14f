"""Cases: keys of RETURNN's search and targets that Strata accepts with RETURNN's meaning:
register_as_extern_data (a layer's output as extern data, read as "data:<key>" or taken as a target),
the choice layer's explicit_search_source(s) (a dependency; without search it changes nothing) and
"target" given as a one-element list (RETURNN uses its first entry)."""
from .basic import c

SEQ_CLASSES = {"data": {"shape": (None, 5)}, "classes": {"shape": (None,), "sparse": True, "dim": 4}}


def decoder(target, **choice_keys):
    """A small teacher-forced decoder stepping over `target` (the choice gives the target's frame outside search)."""
    return {
        "emb": {"class": "linear", "activation": None, "n_out": 3, "from": "prev:output"},
        "h": {"class": "linear", "activation": "tanh", "n_out": 4, "from": ["emb", "prev:h"]},
        "prob": {"class": "softmax", "from": "h", "target": target, "is_output_layer": True},
        "output": {"class": "choice", "from": "prob", "target": target, "beam_size": 2, "initial_output": 0, **choice_keys},
    }


CASES = [
    # A dense layer's output registered as extern data, read by another layer as "data:proj_feat".
    c("register_extern_data_source", {
        "proj": {"class": "linear", "activation": "tanh", "n_out": 4, "from": "data", "register_as_extern_data": "proj_feat"},
        "output": {"class": "linear", "activation": None, "n_out": 3, "from": "data:proj_feat"},
    }),
    # A registered sparse target: a softmax takes its dim from it (RETURNN: out_type dim of the target), a linear
    # layer embeds it as "data:tgt". RETURNN constructs the registering layer first.
    # (A copy of data not available for inference would be RETURNN's DataNotAvailableLayer without search: no values.)
    c("register_extern_data_target", {
        "tgt": {"class": "copy", "from": "data:classes", "register_as_extern_data": "tgt"},
        "emb": {"class": "linear", "activation": None, "with_bias": False, "n_out": 3, "from": "data:tgt"},
        "output": {"class": "softmax", "from": "emb", "target": "tgt"},
    }, extern_data={"classes": {"shape": (None,), "sparse": True, "dim": 4, "available_for_inference": True}}),
    # "target" as a one-element list on the rec layer and its choice (RETURNN: target[0]).
    c("choice_target_list", {
        "dec": {"class": "rec", "from": [], "target": ["classes"], "unit": {**decoder("classes"), "output": {
            "class": "choice", "from": "prob", "target": ["classes"], "beam_size": 2, "initial_output": 0}}},
        "output": {"class": "copy", "from": "dec/prob"},
    }, extern_data=SEQ_CLASSES),
]

CASES += [
    # A rec layer without sources nor target whose loop runs over the frames of a rec_unstack's base source
    # (declare_rec_time): a cumulative sum, then a layer on it; padded frames as RETURNN leaves them.
    c("rec_unstack_declare_rec_time", {
        "output": {"class": "rec", "from": [], "unit": {
            "input": {"class": "rec_unstack", "from": "base:data:data", "axis": "T", "declare_rec_time": True},
            "acc": {"class": "combine", "kind": "add", "from": ["prev:acc", "input"]},
            "output": {"class": "linear", "activation": "tanh", "n_out": 3, "from": ["acc", "prev:output"]},
        }},
    }),
]
