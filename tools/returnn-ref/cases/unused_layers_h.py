"""Cases: layers nobody needs (issue #15). RETURNN's construct_from_dict constructs only `output`, layers with a loss,
`is_output_layer` layers and what they depend on, at the top level and inside a rec unit (there also `end` and the
layers read as `prev:`), so the unused layers below have no params in RETURNN's get_params_list() nor in its
checkpoint. Strata builds them (errors surface) but leaves their variables out of its params."""
from .basic import c
from .seq import ATT_DATA

UNIT = {
    "in_proj": {"class": "linear", "activation": None, "n_out": 4, "from": "data:source"},
    "s": {"class": "linear", "activation": "tanh", "n_out": 4, "from": ["in_proj", "prev:s"]},
    # Read only as prev: by the output's chain: constructed (a dependency through prev:).
    "gate": {"class": "linear", "activation": "sigmoid", "n_out": 4, "from": "s"},
    "output": {"class": "combine", "kind": "mul", "from": ["s", "prev:gate"]},
    # Nobody reads these: RETURNN never constructs them.
    "unused_rec": {"class": "linear", "activation": None, "n_out": 3, "from": "s"},
    "unused_prev": {"class": "linear", "activation": "tanh", "n_out": 2, "from": ["prev:s", "prev:unused_prev"]},
}

CASES = [
    c("unused_layers_top_and_rec", {
        "hidden": {"class": "linear", "activation": "tanh", "n_out": 6, "from": "data"},
        "unused_top": {"class": "linear", "activation": None, "n_out": 3, "from": "hidden"},
        "unused_chain_a": {"class": "linear", "activation": "relu", "n_out": 5, "from": "data"},
        "unused_chain_b": {"class": "linear", "activation": None, "n_out": 2, "from": "unused_chain_a"},
        # A root of its own (is_output_layer), with a dependency that nothing else reads.
        "side_in": {"class": "linear", "activation": "relu", "n_out": 3, "from": "data"},
        "side": {"class": "linear", "activation": None, "n_out": 2, "from": "side_in", "is_output_layer": True},
        "dec": {"class": "rec", "from": "hidden", "unit": UNIT},
        "output": {"class": "copy", "from": "dec"},
    }, outputs=["output", "side"]),
    # A choice layer outside search takes the target and drops its "from" (RETURNN ChoiceLayer.transform_config_dict):
    # prob (no loss here) and its input readout are then needed by nobody and have no params in RETURNN.
    c("unused_layers_choice_without_search", {
        "enc": {"class": "linear", "activation": "tanh", "n_out": 4, "from": "data"},
        "dec": {"class": "rec", "from": [], "target": "classes", "unit": {
            "target_embed": {"class": "linear", "activation": None, "with_bias": False, "from": "output", "n_out": 3, "initial_output": 0},
            "s": {"class": "linear", "activation": "tanh", "n_out": 4, "from": ["prev:target_embed", "prev:s"]},
            "readout": {"class": "linear", "activation": "tanh", "n_out": 5, "from": ["s", "prev:target_embed"]},
            "prob": {"class": "softmax", "from": "readout", "n_out": 6},
            "output": {"class": "choice", "target": "classes", "beam_size": 3, "from": "prob", "initial_output": 0},
            "s_out": {"class": "copy", "from": "s", "is_output_layer": True},
        }},
        "output": {"class": "copy", "from": "enc"},
        "s_all": {"class": "copy", "from": "dec/s_out"},
    }, outputs=["output", "s_all"], extern_data=ATT_DATA, seq_lens={"data:size1": [7, 5, 4], "classes:size1": [5, 6, 3]}),
]
