"""Cases: RETURNN eval strings (eval layer, combine kind eval, eval_locals, out_type) as RETURNN's own tests and demos
write them (tests/test_TFNetworkLayer.py, test_TFNetworkRecLayer.py, test_TFEngine.py, demos/demo-tf-rec-explicit-lstm.config),
and the combine kinds that map onto tf.math functions."""

SEQ5 = {"data": {"shape": (None, 5)}}


def c(name, network, outputs=("output",), extern_data=None, **kw):
    return dict(name=name, network=network, outputs=list(outputs), extern_data=extern_data or SEQ5, **kw)


# Positive and signed layers the strings combine.
BASE = {
    "a": {"class": "linear", "activation": None, "n_out": 5, "from": "data"},
    "p": {"class": "linear", "activation": "sigmoid", "n_out": 5, "from": "data"},
    "q": {"class": "eval", "eval": "tf.exp(source(0))", "from": "a"},
}

CASES = [
    c("eval_test_strings", {
        **BASE,
        "scaled": {"class": "eval", "from": "data", "eval": "source(0) * 0.7071067811865476"},
        "acc_att": {"class": "eval", "from": ["data", "a", "p"], "eval": "source(0) + source(1) * source(2) * 0.5"},
        "fertility": {"class": "eval", "from": ["data", "a", "q"], "eval": "source(0) + source(1) / (2.0 * source(2))"},
        "rsqrt": {"class": "eval", "from": ["a", "p", "q"],
                  "eval": "source(0) * tf.minimum(tf.math.rsqrt(source(1) * source(2)), 1./1e-8)"},
        "prior": {"class": "eval", "from": ["p", "q"], "eval": "safe_log(source(0)) - 0.22 * safe_log(source(1))"},
        "neg_half": {"class": "eval", "from": "a", "eval": "source(0) * -0.5"},
        "square_add": {"class": "eval", "from": ["data", "a"], "eval": "source(0) + source(1) ** 2"},
        "output": {"class": "eval", "from": ["data", "a"], "eval": "source(0) * 2 + source(1) * 3"},
    }, outputs=["scaled", "acc_att", "fertility", "rsqrt", "prior", "neg_half", "square_add", "output"]),
    c("eval_tf_functions", {
        **BASE,
        "clip": {"class": "eval", "from": "data", "eval": "tf.clip_by_value(source(0), -0.5, 0.5)"},
        "where": {"class": "eval", "from": "data", "eval": "tf.where(tf.greater(source(0), 0.), source(0), 0.)"},
        "minimum": {"class": "eval", "from": ["data", "a"], "eval": "tf.minimum(source(0), source(1) - 1)"},
        "gelu": {"class": "eval", "from": "a", "eval": "tf.nn.gelu(source(0))"},
        "gelu_tanh": {"class": "eval", "from": "a", "eval": "tf.nn.gelu(source(0), approximate=True)"},
        "erf": {"class": "eval", "from": "a", "eval": "tf.math.erf(source(0))"},
        "nn": {"class": "eval", "from": ["a", "p"],
               "eval": "tf.nn.relu(source(0)) + tf.nn.elu(source(0)) * tf.math.log_sigmoid(source(0)) + tf.nn.softplus(source(1))"},
        "softmax": {"class": "eval", "from": "a", "eval": "tf.nn.softmax(-20. * tf.cast(source(0), tf.float32))"},
        "floor_ops": {"class": "eval", "from": "a", "eval": "source(0) % 0.3 + source(0) // 0.25"},
        "cast_bool": {"class": "eval", "from": ["data", "a"], "eval": "source(0) + 0.1 * tf.cast(tf.greater(source(1), 0.), tf.float32)"},
        "logical": {"class": "eval", "from": ["data", "a"], "out_type": {"dtype": "bool"},
                    "eval": "tf.logical_and(tf.not_equal(source(0), 0.), tf.less_equal(source(1), source(0)))"},
        "tuple_index": {"class": "eval", "from": ["data", "a"], "eval": "(tf.tanh(source(0)), source(1))[0] + source(1) * 0.0"},
        "auto_convert": {"class": "eval", "from": ["data", "a"], "eval": "source(0, auto_convert=False) * source(1, auto_convert=False)"},
        "output": {"class": "combine", "kind": "eval", "from": ["p", "q"],
                   "eval": "source(0) * am_scale - safe_log(source(1)) * prior_scale",
                   "eval_locals": {"am_scale": 0.1, "prior_scale": 0.5 * 0.1}},
    }, outputs=["clip", "where", "minimum", "gelu", "gelu_tanh", "erf", "nn", "softmax", "floor_ops", "cast_bool", "logical",
                "tuple_index", "auto_convert", "output"]),
    c("combine_kinds_math", {
        **BASE,
        "floordiv": {"class": "combine", "kind": "floordiv", "from": ["a", "p"]},
        "mod": {"class": "combine", "kind": "mod", "from": ["a", "p"]},
        "pow": {"class": "combine", "kind": "pow", "from": ["q", "p"]},
        "sq_diff3": {"class": "combine", "kind": "squared_difference", "from": ["a", "p"], "activation": "tanh"},
        "output": {"class": "combine", "kind": "eval", "from": ["a", "p", "q"], "eval": "tf.where(source(0) > 0, source(1), -source(2))"},
    }, outputs=["floordiv", "mod", "pow", "sq_diff3", "output"]),
    c("activation_expressions", {
        "relu6": {"class": "activation", "activation": "relu6", "from": "data"},
        "selu": {"class": "activation", "activation": "selu", "from": "data"},
        "log_sigmoid": {"class": "activation", "activation": "log_sigmoid", "from": "data"},
        "neg": {"class": "activation", "activation": "neg", "from": "data"},
        "scaled_sigmoid": {"class": "activation", "activation": "2 * sigmoid", "from": "data"},
        "lambda_x": {"class": "activation", "activation": "tf.minimum(tf.nn.relu(x), 0.5) * 2 - x", "from": "data"},
        "output": {"class": "linear", "activation": "1 + tanh", "n_out": 4, "from": "data"},
    }, outputs=["relu6", "selu", "log_sigmoid", "neg", "scaled_sigmoid", "lambda_x", "output"]),
]
