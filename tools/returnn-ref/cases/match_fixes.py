"""Cases for differences the match rate of RETURNN's own test nets (test_net_fixtures.py, src/match-rate.ts) found.

batch_norm: RETURNN (LayerBase.batch_norm) runs tf.compat.v1.nn.fused_batch_norm when param_version >= 2, masked_time is
False and use_shift/use_std are True; in evaluation that path normalises with the stored statistics and updates nothing,
whatever update_sample_only_in_training / delay_sample_update (and their defaults before behavior_version 12) say.

dot: before behavior_version 3, RETURNN's add_var2_if_empty defaults to True: without var2 axes the output gets a feature
axis of size 1 (dot:dummy-var2). RETURNN pairs the axes that are neither reduced nor kept (the remaining ones) by their
dim tags, not by their order: [B,2,3,F] with [B,3,2,F] pairs 2 with 2.
"""

SEQ5 = {"data": {"shape": (None, 5)}}


def c(name, network, outputs=("output",), extern_data=None, **kw):
    return dict(name=name, network=network, outputs=list(outputs), extern_data=extern_data or SEQ5, **kw)


CASES = [
    # Before 12 the unfused path moves the statistics in evaluation (momentum 0.99); the fused one does not.
    c("batch_norm_v0_fused_eval", {"output": {"class": "batch_norm", "masked_time": False, "param_version": 2, "from": "data"}}),
    c("batch_norm_v12_fused_ignores_eval_update", {"output": {"class": "batch_norm", "masked_time": False, "update_sample_only_in_training": False,
                                                              "delay_sample_update": False, "momentum": 0.3, "from": "data"}}, behavior_version=12),
    # Without use_shift RETURNN takes the unfused path: evaluation moves the statistics (before 12).
    c("batch_norm_v0_unfused_no_shift", {"output": {"class": "batch_norm", "masked_time": False, "param_version": 2, "use_shift": False,
                                                    "from": "data"}}),
    # The batch_norm option of any layer is the same function.
    c("linear_batch_norm_opt_v0_fused", {"output": {"class": "linear", "n_out": 4, "activation": "tanh", "from": "data",
                                                    "batch_norm": {"masked_time": False, "param_version": 2}}}),
    # dot without var axes: [B,T,F]·[B,T,F] over F (T shared) -> [B,T,1] before behavior_version 3, [B,T] from 3.
    c("dot_var2_none_v0", {"a": {"class": "linear", "n_out": 4, "activation": None, "from": "data"},
                           "output": {"class": "dot", "from": ["a", "data"], "red1": "F", "red2": "F", "var1": None, "var2": None}},
      outputs=("output",), extern_data={"data": {"shape": (None, 4)}}),
    c("dot_var2_none_v3", {"a": {"class": "linear", "n_out": 4, "activation": None, "from": "data"},
                           "output": {"class": "dot", "from": ["a", "data"], "red1": "F", "red2": "F", "var1": None, "var2": None}},
      outputs=("output",), extern_data={"data": {"shape": (None, 4)}}, behavior_version=3),
    # Both var axes empty: [B,F]·[B,F] -> [B,1] before 3.
    c("dot_vars_none_v0", {"output": {"class": "dot", "from": ["data", "data"], "red1": "F", "red2": "F", "var1": None, "var2": None}},
      extern_data={"data": {"shape": (4,)}}),
    # The remaining static axes of the second source in the other order: paired by dim tag.
    c("dot_remaining_axes_by_dim_tag", {"b": {"class": "transpose", "from": "data", "perm": {"dim:2": "dim:3", "dim:3": "dim:2"}},
                                        "output": {"class": "dot", "from": ["data", "b"], "red1": "F", "red2": "F", "var1": None, "var2": None}},
      outputs=("output", "b"), extern_data={"data": {"shape": (2, 3, 4)}}, behavior_version=3),
]
