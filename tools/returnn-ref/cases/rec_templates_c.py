"""Cases: templates and shapes inside rec units (issue #15): generic_attention keeping the weights' axes that base
lacks (several energies, RETURNN's DotLayer var1) and auto_squeeze=False, read as prev: through merge_dims
(RETURNN infers the template of prev:att from its sources)."""
from .basic import c
from .seq import ATT_DATA, ENCODER, attention_decoder

CASES = [
    # Two energies per encoder frame: weights [B,2,T] (RETURNN), att0 [B,2,4] (the energy axis kept), att [B,8].
    c("generic_attention_kept_weights_axis", {
        **ENCODER,
        "dec": {"class": "rec", "from": [], "target": "classes", "unit": attention_decoder({
            "energy_in": {"class": "combine", "kind": "add", "from": ["base:enc_ctx", "s_transformed"]},
            "energy_tanh": {"class": "activation", "activation": "tanh", "from": "energy_in"},
            "energy": {"class": "linear", "activation": None, "with_bias": False, "from": "energy_tanh", "n_out": 2},
            "att_weights": {"class": "softmax_over_spatial", "from": "energy"},
            "att0": {"class": "generic_attention", "weights": "att_weights", "base": "base:enc", "is_output_layer": True},
            "att": {"class": "merge_dims", "axes": ["dim:2", "dim:4"], "from": "att0"},
        })},
        "output": {"class": "copy", "from": "dec/output_prob"},
        "att0": {"class": "copy", "from": "dec/att0"},
    }, outputs=["output", "att0"], extern_data=ATT_DATA, n_time=6, seq_lens={"data:size1": [6, 4, 3], "classes:size1": [4, 5, 2]}),
    # auto_squeeze=False keeps the 1 of energies [B,T,1]: att0 [B,1,4]; merge_dims gives [B,4] back.
    c("generic_attention_no_auto_squeeze", {
        **ENCODER,
        "dec": {"class": "rec", "from": [], "target": "classes", "unit": attention_decoder({
            "energy_in": {"class": "combine", "kind": "add", "from": ["base:enc_ctx", "s_transformed"]},
            "energy_tanh": {"class": "activation", "activation": "tanh", "from": "energy_in"},
            "energy": {"class": "linear", "activation": None, "with_bias": False, "from": "energy_tanh", "n_out": 1},
            "att_weights": {"class": "softmax_over_spatial", "from": "energy"},
            "att0": {"class": "generic_attention", "weights": "att_weights", "base": "base:enc", "auto_squeeze": False, "is_output_layer": True},
            "att": {"class": "merge_dims", "axes": ["dim:1", "dim:4"], "from": "att0"},
        })},
        "output": {"class": "copy", "from": "dec/output_prob"},
        "att0": {"class": "copy", "from": "dec/att0"},
    }, outputs=["output", "att0"], extern_data=ATT_DATA, n_time=6, seq_lens={"data:size1": [6, 4, 3], "classes:size1": [4, 5, 2]}),
]


def kv_decoder(att):
    """attention_decoder without its s_transformed (unused here: RETURNN would not construct it, Strata builds every entry)."""
    d = attention_decoder(att)
    del d["s_transformed"]
    return d


def kv_attention(**softmax_opts):
    """Two-head key/value attention inside the decoder: energies [B,2,T] (dot over dim:3), weights by
    softmax_over_spatial over "T" (not axis 1 there), generic_attention over the heads of base [B,T,2,3]."""
    return {
        "att_query0": {"class": "linear", "activation": None, "with_bias": False, "from": "s", "n_out": 6},
        "att_query": {"class": "split_dims", "axis": "F", "dims": [2, 3], "from": "att_query0"},
        "att_key0": {"class": "linear", "activation": None, "with_bias": False, "from": "base:enc", "n_out": 6},
        "att_key": {"class": "split_dims", "axis": "F", "dims": [2, 3], "from": "att_key0"},
        "att_value0": {"class": "linear", "activation": None, "with_bias": False, "from": "base:enc", "n_out": 6},
        "att_value": {"class": "split_dims", "axis": "F", "dims": [2, 3], "from": "att_value0"},
        "att_energy": {"class": "dot", "from": ["att_query", "att_key"], "red1": "dim:3", "red2": "dim:3", "var1": "T?", "var2": "T"},
        "att_weights": {"class": "softmax_over_spatial", "from": "att_energy", **softmax_opts},
        "att_output": {"class": "generic_attention", "weights": "att_weights", "base": "att_value"},
        "att": {"class": "merge_dims", "axes": ["dim:2", "dim:3"], "from": "att_output"},
    }


ENC = {"enc": ENCODER["enc"]}  # without enc_ctx, unused by kv_attention (RETURNN would not construct it)

CASES += [
    c("softmax_over_spatial_axis_kv_heads", {
        **ENC,
        "dec": {"class": "rec", "from": [], "target": "classes", "unit": kv_decoder(kv_attention(axis="T"))},
        "output": {"class": "copy", "from": "dec/output_prob"},
    }, outputs=["output"], extern_data=ATT_DATA, n_time=6, seq_lens={"data:size1": [6, 4, 3], "classes:size1": [4, 5, 2]}),
    # log_space (masked frames -inf, exp gives 0 there), energy_factor; the static heads axis softmaxed on its own (no mask),
    # recorded through a generic_attention (RETURNN moves the softmax axis last, Strata keeps it in place).
    c("softmax_over_spatial_log_space", {
        **ENC,
        "dec": {"class": "rec", "from": [], "target": "classes", "unit": kv_decoder({
            **kv_attention(log_space=True, energy_factor=0.5),
            "att_probs": {"class": "activation", "activation": "exp", "from": "att_weights"},
            "att_output": {"class": "generic_attention", "weights": "att_probs", "base": "att_value"},
            "head_probs": {"class": "softmax_over_spatial", "axis": "dim:2", "from": "att_energy"},
            "head_att0": {"class": "generic_attention", "weights": "head_probs", "base": "att_value"},
            "head_att": {"class": "merge_dims", "axes": ["dim:2", "dim:3"], "from": "head_att0", "is_output_layer": True},
        })},
        "output": {"class": "copy", "from": "dec/output_prob"},
        "head_att": {"class": "copy", "from": "dec/head_att"},
    }, outputs=["output", "head_att"], extern_data=ATT_DATA, n_time=6, seq_lens={"data:size1": [6, 4, 3], "classes:size1": [4, 5, 2]}),
]

CASES += [
    # switch broadcasts by dims (RETURNN), not numpy's right alignment: condition [B,T] against [B,T,4].
    c("switch_broadcast_by_dims", {
        "embed": {"class": "linear", "activation": None, "n_out": 4, "from": "data"},
        "is_two": {"class": "compare", "kind": "equal", "value": 2, "from": "data"},
        "output": {"class": "switch", "condition": "is_two", "true_from": "embed", "false_from": 0.5},
    }, extern_data={"data": {"shape": (None,), "sparse": True, "dim": 4}}),
    # In a rec unit: condition [B] (per frame) against branches [B,F]; where it fails, the previous frame's output.
    c("switch_broadcast_in_rec", {"output": {"class": "rec", "from": "data", "unit": {
        "red": {"class": "reduce", "mode": "sum", "axis": "F", "from": "data:source"},
        "big": {"class": "compare", "kind": "greater", "value": 0.0, "from": "red"},
        "lin": {"class": "linear", "activation": "tanh", "n_out": 5, "from": ["data:source", "prev:output"]},
        "output": {"class": "switch", "condition": "big", "true_from": "lin", "false_from": "prev:output", "n_out": 5},
    }}}),
]

MASK_UNIT = {
    "red": {"class": "reduce", "mode": "sum", "axis": "F", "from": "data:source"},
    "mask": {"class": "compare", "kind": "greater", "value": 0.0, "from": "red"},
}
CASES += [
    # A cell rec layer as the unit of a masked_computation in a rec unit: one step per frame where the mask holds,
    # its state kept where not (RETURNN runs the inner rec as a single step on frames without a time axis).
    c("masked_computation_rec_unit_single_step", {"output": {"class": "rec", "from": "data", "unit": {
        **MASK_UNIT,
        "masked": {"class": "masked_computation", "mask": "mask", "from": "data:source",
                   "unit": {"class": "rec", "unit": "nativelstm2", "n_out": 4, "from": "data"}},
        "output": {"class": "linear", "activation": "tanh", "n_out": 3, "from": ["masked", "prev:output"]},
    }}}),
    # A subnetwork in a rec unit holding a cell rec layer on the frames: its state goes from frame to frame.
    c("subnetwork_rec_single_step", {"output": {"class": "rec", "from": "data", "unit": {
        "sub": {"class": "subnetwork", "from": "data:source", "subnetwork": {
            "lstm": {"class": "rec", "unit": "nativelstm2", "n_out": 4, "from": "data"},
            "output": {"class": "copy", "from": "lstm"},
        }},
        "output": {"class": "linear", "activation": "tanh", "n_out": 3, "from": ["sub", "prev:output"]},
    }}}),
]
