"""Cases: slice_nd in net dicts (RETURNN SliceNdLayer), and entries RETURNN's construct_from_dict never constructs
(issue #15): an unused entry Strata cannot build does not fail the network."""
from .basic import c

SEQ3 = {"data": {"dim": 3}, "classes": {"dim": 3, "sparse": True}}

CASES = [
    # Per frame of the rec loop: start = the previous target (a choice without search takes the target), the slice of
    # the whole input from there to its end (size None, min_size 1), reduced over the slice axis named by its Dim
    # description ("stag:sliced", RETURNN's sliced-time:<layer>).
    c("slice_nd_i_rec_start_stag_reduce", {
        "output": {"class": "rec", "from": "data", "unit": {
            "start": {"class": "copy", "from": "prev:choice"},
            "slices": {"class": "slice_nd", "from": "base:data", "start": "start", "size": None, "min_size": 1},
            "output": {"class": "reduce", "from": "slices", "mode": "sum", "axes": "stag:sliced"},
            "prob": {"class": "activation", "activation": "softmax", "from": "data:source", "target": "classes", "loss": "ce"},
            "choice": {"class": "choice", "target": "classes", "beam_size": 2, "from": "prob", "input_type": "prob",
                       "initial_output": 0},
        }},
    }, extern_data=SEQ3),
    # A 1-D pool of [B,T,F] with an int pool_size that Strata cannot build yet: nobody needs it, so RETURNN never
    # constructs it and Strata's network builds without it.
    c("slice_nd_i_unused_unbuildable_entry", {
        "unused_pool": {"class": "pool", "mode": "avg", "pool_size": 2, "from": "data"},
        "h": {"class": "linear", "activation": "tanh", "n_out": 4, "from": "data"},
        "output": {"class": "reduce", "mode": "max", "axes": "T", "from": "h"},
    }, extern_data=SEQ3),
]
