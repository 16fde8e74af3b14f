"""self_attention inside a masked_computation of a rec unit (RETURNN SelfAttentionLayer with `_rec_previous_layer`
in MaskedComputationLayer, returnn/tf/layers/rec.py): its keys and values grow by one frame on every frame, masked or
not (`_masked_transform_kv`), while its mask history (`mask_left`) grows by the frame's mask
(`_masked_transform_mask`) and takes the skipped frames out of the later frames' attention (`energy_masked_history`);
the layer's output is the previous one where the mask fails. The masked layers read prev:output, so that RETURNN keeps
them in the loop; the mask is the frame's feature sum > 0 (about half the frames of random inputs)."""
from .basic import c

CASES = []

_MASK = {
    "sum": {"class": "reduce", "mode": "sum", "axis": "F", "from": "data:source"},
    "mask": {"class": "compare", "kind": "greater", "value": 0.0, "from": "sum"},
}

CASES += [
    c("masked_self_att_in_loop", {"output": {"class": "rec", "from": "data", "unit": {
        **_MASK,
        "x": {"class": "linear", "activation": "tanh", "n_out": 6, "from": ["data:source", "prev:output"]},
        "masked": {"class": "masked_computation", "mask": "mask", "from": "x",
                   "unit": {"class": "self_attention", "num_heads": 2, "total_key_dim": 4, "n_out": 6,
                            "attention_left_only": True, "from": "data"}},
        "unmask": {"class": "unmask", "from": "masked", "mask": "mask"},
        "output": {"class": "linear", "activation": "tanh", "n_out": 4, "from": ["unmask", "data:source"]},
    }}}),
    # A subnetwork unit: an LSTM cell (its state kept where the mask fails) feeding the self-attention.
    c("masked_subnet_lstm_self_att_in_loop", {"output": {"class": "rec", "from": "data", "unit": {
        **_MASK,
        "masked": {"class": "masked_computation", "mask": "mask", "from": "prev:output", "unit": {
            "class": "subnetwork", "from": "data", "subnetwork": {
                "lstm": {"class": "rec", "unit": "nativelstm2", "n_out": 5, "from": "data"},
                "selfatt": {"class": "self_attention", "num_heads": 2, "total_key_dim": 4, "n_out": 6,
                            "attention_left_only": True, "from": "lstm"},
                "output": {"class": "copy", "from": "selfatt"},
            }}},
        "unmask": {"class": "unmask", "from": "masked", "mask": "mask"},
        "output": {"class": "linear", "activation": "tanh", "n_out": 4, "from": ["unmask", "data:source"]},
    }}}),
]
