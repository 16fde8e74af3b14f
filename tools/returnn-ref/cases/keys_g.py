"""Cases: RETURNN keys of the rec layer's test nets (issue #15): get_rec_step_index() in eval strings, rec back_prop
(forward unchanged), collocate_with (placement only), eval out_type time_dim_axis."""
from .basic import c

CASES = [
    # The eval string reads the running frame: each frame's input plus its index, plus the previous output (which keeps
    # it in RETURNN's loop: moved out, RETURNN's get_rec_step_index asserts it is inside a rec subnet).
    c("keys_g_eval_rec_step_index", {"output": {"class": "rec", "from": "data", "unit": {
        "output": {"class": "eval", "from": ["data:source", "prev:output"],
                   "eval": "source(0) * 2. + source(1) * 0.5 + tf.cast(self.network.get_rec_step_index(), tf.float32)"},
    }}}),
    # back_prop False: no gradient through the loop, the same forward; collocate_with names a unit layer (placement only).
    c("keys_g_rec_back_prop_collocate", {"output": {"class": "rec", "from": "data", "back_prop": False, "unit": {
        "lin": {"class": "linear", "activation": "tanh", "n_out": 3, "from": ["data:source", "prev:lin"]},
        "output": {"class": "combine", "kind": "add", "from": ["lin", "prev:lin"], "collocate_with": "lin"},
    }}}),
    # out_type time_dim_axis None on a per-frame eval in a unit (RETURNN's declaration of a [B, F] frame).
    c("keys_g_eval_out_type_time_none", {"output": {"class": "rec", "from": "data", "unit": {
        "output": {"class": "eval", "from": "data:source", "out_type": {"time_dim_axis": None}, "eval": "source(0) * 3."},
    }}}),
]
