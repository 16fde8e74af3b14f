"""Cases: network-level LayerBase keys and references: `name_scope` (the params' TF scope; same scope = shared params),
`reuse_params` (another layer's params: a name, `base:`, a per-param map), `batch_norm` as a LayerBase option (on the
layer's output, its params `<layer>/batch_norm/...`), `base:data:<key>` from sub-networks and rec units (the enclosing
network's extern data, the whole sequence) and the rec option `optimize_move_layers_out`."""
from .basic import c

_LIN = {"class": "linear", "activation": "tanh", "n_out": 5}


def _lin(src, **kw):
    return dict(_LIN, **{"from": src}, **kw)


CASES = [
    # name_scope: the params are custom_name/W, custom_name/b.
    c("name_scope_relative", {"output": _lin("data", name_scope="custom_name")}),
    # Two layers in one scope share W and b (n_out == n_in so that both layers' W fit).
    c("name_scope_share_params", {
        "layer1": {"class": "linear", "activation": "tanh", "n_out": 5, "from": "data"},
        "output": {"class": "linear", "activation": "tanh", "n_out": 5, "from": "layer1", "name_scope": "layer1"},
    }, outputs=["layer1", "output"]),
    # In a subnetwork: an absolute scope ("/custom_name/W"), base:data:data (the network's input, not the subnet's).
    c("name_scope_abs_in_subnet", {
        "output": {"class": "subnetwork", "from": [], "subnetwork": {
            "layer1": _lin("base:data:data"),
            "layer2": _lin("base:data:data", name_scope="/custom_name"),
            "output": {"class": "combine", "kind": "add", "from": ["layer1", "layer2"]},
        }},
    }),
    # A subnetwork with name_scope "": its layers' params are layer1/W, ... (not output/layer1/W); layer2 shares layer1's.
    c("name_scope_subnet_empty", {
        "output": {"class": "subnetwork", "from": "data", "name_scope": "", "subnetwork": {
            "layer1": _lin("data"),
            "layer2": _lin("data", name_scope="layer1"),
            "output": {"class": "combine", "kind": "sub", "from": ["layer1", "layer2"]},
        }},
    }),
    # A rec layer with name_scope "": the unit's params are layer1/W (no output/rec/ prefix); layer2 shares them.
    c("name_scope_rec_empty", {
        "output": {"class": "rec", "from": "data", "name_scope": "", "optimize_move_layers_out": False, "unit": {
            "layer1": _lin(["data:source", "prev:output"], n_out=4),
            "layer2": _lin(["data:source", "prev:output"], n_out=4, name_scope="layer1"),
            "output": {"class": "combine", "kind": "add", "from": ["layer1", "layer2"]},
        }},
    }),
    # reuse_params by name: output uses l1's W and b.
    c("reuse_params_layer", {
        "l1": _lin("data"),
        "output": _lin("data", activation="sigmoid", reuse_params="l1"),
    }, outputs=["l1", "output"]),
    # reuse_params map inside a rec unit (optimize_move_layers_out: the same numbers either way).
    c("reuse_params_map_in_rec", {
        "output": {"class": "rec", "from": "data", "optimize_move_layers_out": True, "unit": {
            "input": {"class": "copy", "from": ["prev:output", "data:source"]},
            "ff0": _lin("input"),
            "ff1": _lin("input", activation="relu", reuse_params={"map": {"W": {"reuse_layer": "ff0"}, "b": None}}),
            "output": {"class": "combine", "kind": "add", "from": ["ff0", "ff1"]},
        }},
    }),
    # reuse_params of a layer that depends on this one (a dependency loop): the rec unit's "sub" uses base:after's params.
    c("reuse_params_dep_loop", {
        "loop": {"class": "rec", "from": "data", "unit": {
            "pre": _lin(["data:source", "prev:output"]),
            "sub": _lin("pre", reuse_params="base:after"),
            "output": {"class": "combine", "kind": "add", "from": ["pre", "sub"]},
        }},
        "after": _lin("loop"),
        "output": {"class": "copy", "from": "after"},
    }, outputs=["loop", "output"]),
    # batch_norm as a LayerBase option: on the linear layer's output, with the statistics of the valid frames.
    c("layer_batch_norm_masked", {
        "output": {"class": "linear", "activation": "relu", "n_out": 4, "from": "data", "batch_norm": {"masked_time": True}},
    }),
    c("layer_batch_norm_v12", {
        "output": {"class": "linear", "activation": None, "n_out": 4, "from": "data", "batch_norm": {"masked_time": False, "epsilon": 0.01}},
    }, behavior_version=12),
    c("layer_batch_norm_true", {
        "l1": {"class": "linear", "activation": "tanh", "n_out": 4, "from": "data", "batch_norm": True},
        "output": {"class": "copy", "from": "l1"},
    }),
    # base:data:data inside a rec unit: the whole input sequence (its max over time) next to the frame.
    c("base_data_in_rec_unit", {
        "output": {"class": "rec", "from": "data", "unit": {
            "whole": {"class": "reduce", "mode": "max", "axis": "T", "from": "base:data:data"},
            "output": {"class": "combine", "kind": "add", "from": ["data:source", "whole"]},
        }},
    }),
    # An `extra.2:subnet` entry: the extra net's own "subnet" (another dict), its params shared by name with the
    # base's (output2/W, output2/b); `extra.3:subnet` (no entry) is the base's subnet.
    c("extra_net_own_subnet", {
        "subnet": {"class": "subnetwork", "from": "data", "subnetwork": {
            "output": {"class": "linear", "activation": "relu", "n_out": 5, "from": "data"},
            "output2": {"class": "linear", "activation": "relu", "n_out": 5, "from": "data", "is_output_layer": True},
        }},
        "extra.2:subnet": {"class": "subnetwork", "from": "data", "subnetwork": {
            "output": {"class": "copy", "from": "data"},
            "output2": {"class": "linear", "activation": None, "n_out": 5, "from": "data:data", "is_output_layer": True},
        }},
        "sub1_output2": {"class": "copy", "from": "subnet/output2", "is_output_layer": True},
        "sub2_output1": {"class": "copy", "from": "extra.2:subnet/output", "is_output_layer": True},
        "sub2_output2": {"class": "activation", "activation": "tanh", "from": "extra.2:subnet/output2", "is_output_layer": True},
        "sub3_output1": {"class": "copy", "from": "extra.3:subnet/output", "is_output_layer": True},
        "output": {"class": "combine", "kind": "add", "from": ["sub1_output2", "sub2_output2"]},
    }, outputs=["sub1_output2", "sub2_output1", "sub2_output2", "sub3_output1", "output"]),
    # A subnetwork inside a rec unit: prev: of its own layer (the running sum of the frames), base:data:source the frame.
    c("prev_in_subnet_in_rec_unit", {
        "output": {"class": "rec", "from": "data", "unit": {
            "accum_sub": {"class": "subnetwork", "from": [], "subnetwork": {
                "accum": {"class": "combine", "kind": "add", "from": ["prev:accum", "base:data:source"]},
                "output": {"class": "copy", "from": "accum"},
            }},
            "output": {"class": "copy", "from": "accum_sub"},
        }},
    }),
    # reuse_params on a rec layer with an LSTM unit: the copy runs with rec_fwd's W, W_re, b.
    c("reuse_params_rec_lstm", {
        "rec_fwd": {"class": "rec", "unit": "nativelstm2", "n_out": 3, "from": "data"},
        "rec_fwd_copy": {"class": "rec", "unit": "nativelstm2", "n_out": 3, "from": "data", "reuse_params": "rec_fwd"},
        "output": {"class": "combine", "kind": "sub", "from": ["rec_fwd", "rec_fwd_copy"]},
    }, outputs=["rec_fwd", "rec_fwd_copy"]),
    # base:prev:<layer> from a subnetwork inside a rec unit: the unit's layer at the previous frame.
    c("base_prev_in_subnet_in_rec_unit", {
        "output": {"class": "rec", "from": "data", "unit": {
            "sub": {"class": "subnetwork", "from": "data:source", "subnetwork": {
                "output": {"class": "combine", "kind": "add", "from": ["data", "base:prev:output"]},
            }},
            "output": {"class": "linear", "activation": "tanh", "n_out": 5, "from": "sub"},
        }},
    }),
]
