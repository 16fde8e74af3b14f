"""Cases: templates of `prev:` layers that RETURNN infers from their sources (_SubnetworkRecCell._construct_template),
through a sub-layer `<masked>/<sub>` of a `masked_computation` whose unit is a `subnetwork`; and those sub-layers'
values inside the loop (MaskedComputationLayer.get_sub_layer: the sub-layer's frame where the mask holds, else its
previous value)."""
from .basic import c

SEQ5 = {"data": {"shape": (None, 5)}}


def _masked_unit(mask_eval):
    return {
        "one": {"class": "constant", "value": 1, "with_batch_dim": True},
        "mask": {"class": "eval", "from": [":i", "one"], "out_type": {"dtype": "bool"}, "eval": mask_eval},
        "x": {"class": "linear", "activation": "tanh", "n_out": 4, "from": "data:source"},
        "masked": {"class": "masked_computation", "mask": "mask", "from": "x", "unit": {
            "class": "subnetwork", "subnetwork": {
                "a": {"class": "linear", "activation": "tanh", "from": "base:prev:output", "n_out": 4},
                "b": {"class": "linear", "activation": None, "from": "data", "n_out": 4},
                "output": {"class": "combine", "kind": "add", "from": ["a", "b"]},
            }}},
        # No n_out: its template comes from masked/a and masked/b, which read prev:output.
        "output": {"class": "eval", "from": ["masked/a", "masked/b", "x"], "eval": "source(0) * 0.5 + source(1) - source(2)"},
    }


CASES = [
    c("prev_template_j_masked_sub_layers", {"output": {"class": "rec", "from": "data", "unit": _masked_unit("tf.equal(source(0) % 3, source(1))")}}),
    c("prev_template_j_masked_sub_layers_first_frame", {"output": {"class": "rec", "from": "data", "unit": _masked_unit("tf.greater(source(0), source(1))")}}),
]
