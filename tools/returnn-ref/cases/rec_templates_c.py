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
