"""Cases: rec-unit features of RETURNN's own tests (issue #15): the step index `:i` (RecStepInfoLayer) inside a unit."""
from .basic import c

CASES = [
    # `:i` is the running frame's index, an int32 scalar without batch axis; copied out, the rec output is [T].
    c("rec_step_info_copy", {"output": {"class": "rec", "from": "data", "unit": {"output": {"class": "copy", "from": ":i"}}}}),
    # `:i` broadcast against batch data: each frame's input scaled by its index, summed over frames.
    c("rec_step_info_scale", {"output": {"class": "rec", "from": "data", "unit": {
        "i_f": {"class": "cast", "from": ":i", "dtype": "float32"},
        "scaled": {"class": "combine", "kind": "mul", "from": ["data:source", "i_f"]},
        "output": {"class": "combine", "kind": "add", "from": ["scaled", "prev:output"]},
    }}}),
    # `:i` in an eval with a batch-shaped constant (RETURNN's test idiom): a bool mask of the odd frames.
    c("rec_step_info_eval_mask", {"output": {"class": "rec", "from": "data", "unit": {
        "const1": {"class": "constant", "value": 1, "with_batch_dim": True},
        "mask": {"class": "eval", "from": [":i", "const1"], "out_type": {"dtype": "bool"}, "eval": "tf.equal(source(0) % 2, source(1))"},
        "mask_f": {"class": "cast", "from": "mask", "dtype": "float32"},
        "output": {"class": "combine", "kind": "mul", "from": ["data:source", "mask_f"]},
    }}}),
]

CASES += [
    # RETURNN's RHNCell (recurrent highway network, depth 5 by default; dropout only in training): rec/W, rec/b, rec/depth_i/W.
    c("rec_rhn", {"output": {"class": "rec", "unit": "rhn", "n_out": 4, "unit_opts": {"dropout": 0.1}, "from": "data"}}),
    # Depth 2, a transform-gate bias init, backwards in time, a trainable initial state (rec/initial_var).
    c("rec_rhn_depth2_bw", {"output": {"class": "rec", "unit": "rhn", "n_out": 3, "direction": -1, "initial_state": "var",
                                       "unit_opts": {"depth": 2, "transform_bias": -1.0}, "from": "data"}}),
]

CASES += [
    # initial_state "keep_over_epoch": each step starts from the previous step's last state (zeros at epoch step 0).
    # The batch runs as steps 0, 1 of an epoch; the recorded output is step 1's (RETURNN's kept state is not saved).
    c("rec_keep_over_epoch_lstm", {"output": {"class": "rec", "unit": "nativelstm2", "n_out": 3, "initial_state": "keep_over_epoch", "from": "data"}},
      epoch_steps=2),
    # RHN backwards: the kept state is the state after each sequence's first frame; three steps.
    c("rec_keep_over_epoch_rhn_bw", {"output": {"class": "rec", "unit": "rhn", "n_out": 3, "direction": -1, "unit_opts": {"depth": 2},
                                                "initial_state": "keep_over_epoch", "from": "data"}}, epoch_steps=3),
    # Per state part: c kept over the epoch, h a trainable variable; inside a subnetwork (its params lstm/rec/...).
    c("rec_keep_over_epoch_parts_subnet", {"sub": {"class": "subnetwork", "from": "data", "subnetwork": {
        "lstm": {"class": "rec", "unit": "lstm", "n_out": 3, "initial_state": {"c": "keep_over_epoch", "h": "var"}, "from": "data"},
        "output": {"class": "copy", "from": "lstm"},
    }}, "output": {"class": "linear", "activation": None, "n_out": 2, "from": "sub"}}, epoch_steps=2),
]

CASES += [
    # self_attention on frames of a rec unit with initial_state "zeros": k_left/v_left start with no frames (as without it).
    c("rec_self_attention_initial_zeros", {"output": {"class": "rec", "from": "data", "optimize_move_layers_out": False, "unit": {
        "self_att": {"class": "self_attention", "from": "data:source", "attention_left_only": True, "num_heads": 2, "total_key_dim": 4,
                     "n_out": 4, "initial_state": "zeros"},
        "output": {"class": "copy", "from": "self_att"},
    }}}),
]

CASES += [
    # A rec layer over a source without batch axis (range_from_length of the longest length, [T] int32): frames are scalars,
    # the running sum of 0 .. t; the output is [T] (batchless, time-major as in RETURNN).
    c("rec_over_batchless_range", {
        "len": {"class": "length", "from": "data"},
        "max_len": {"class": "reduce", "from": "len", "mode": "max", "axis": "B", "out_shape": []},
        "range": {"class": "range_from_length", "from": "max_len"},
        "rec": {"class": "rec", "from": "range", "unit": {
            "add": {"class": "combine", "kind": "add", "from": ["data:source", "prev:add"]},
            "output": {"class": "copy", "from": "add"},
        }},
        "output": {"class": "copy", "from": "rec"},
    }),
]
