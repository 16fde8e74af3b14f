"""Cases: RETURNN's defaults per behavior_version and the keys that follow them (conv with_bias and
use_time_mask, batch_norm masked_time / update_sample_only_in_training / delay_sample_update / momentum)."""

SEQ5 = {"data": {"shape": (None, 5)}}


def c(name, network, outputs=("output",), extern_data=None, **kw):
    return dict(name=name, network=network, outputs=list(outputs), extern_data=extern_data or SEQ5, **kw)


CASES = [
    # conv: with_bias is True from behavior_version 10 (False before); use_time_mask masks the padded frames.
    c("conv1d_v9_no_bias", {"output": {"class": "conv", "filter_size": [2], "padding": "valid", "n_out": 3, "from": "data"}},
      behavior_version=9),
    c("conv1d_v10_bias", {"output": {"class": "conv", "filter_size": [2], "padding": "valid", "n_out": 3, "from": "data"}},
      behavior_version=10),
    c("conv1d_use_time_mask", {"output": {"class": "conv", "filter_size": [3], "padding": "same", "n_out": 3, "use_time_mask": True,
                                          "from": "data"}}, behavior_version=12),
    # batch_norm before 12: masked_time True by default, statistics updated in evaluation and used at once (momentum 0.99).
    c("batch_norm_v0_unmasked", {"output": {"class": "batch_norm", "masked_time": False, "from": "data"}}),
    c("batch_norm_v11_delay", {"output": {"class": "batch_norm", "delay_sample_update": True, "from": "data"}}, behavior_version=11),
    c("batch_norm_v12_eval_update", {"output": {"class": "batch_norm", "masked_time": True, "update_sample_only_in_training": False,
                                                "delay_sample_update": False, "momentum": 0.3, "from": "data"}}, behavior_version=12),
]
