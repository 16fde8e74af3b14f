"""Cases: RETURNN param names the loader must map whatever the layers are called (a rec layer named `rec`: its
unit's params are `rec/rec/<sub>/...`)."""
from .basic import c

CASES = [
    c("naming_rec_layer_named_rec", {
        "rec": {"class": "rec", "from": "data", "unit": {
            "lin": {"class": "linear", "activation": "tanh", "n_out": 3, "from": ["data:source", "prev:lin"]},
            "output": {"class": "linear", "activation": None, "n_out": 2, "from": "lin"},
        }},
        "output": {"class": "copy", "from": "rec"},
    }),
]
