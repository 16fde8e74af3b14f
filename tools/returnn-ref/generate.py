"""Builds each case of cases/*.py in the real RETURNN (TF backend, graph mode), runs one
forward pass on deterministic random inputs with ragged sequence lengths, and writes one
fixture folder per case (see README.md for the files and how to run this).

Never run in CI: the fixtures it writes are committed, and the Strata test reads only them.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "shims"))  # `tree` (dm-tree) stand-in
RETURNN_SRC = os.environ.get("RETURNN_SRC", "/work/returnn-src")
sys.path.insert(0, RETURNN_SRC)
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.compat.v1.disable_eager_execution()

from safetensors.numpy import save_file  # noqa: E402
import returnn.tf.native_op as native_op  # noqa: E402
from returnn.config import Config  # noqa: E402
from returnn.tf.network import TFNetwork  # noqa: E402
from returnn.tensor import batch_dim  # noqa: E402
from returnn.util.basic import BehaviorVersion  # noqa: E402

from cases import ALL_CASES  # noqa: E402

# No CUDA here: RETURNN's op compiler would otherwise define EIGEN_USE_GPU and include cuda_runtime.h.
native_op.OpMaker.with_cuda = False

RETURNN_COMMIT = "b46ff5f0f337266809082d2e88c33218940bc13b"
N_BATCH = 3
SEED = 42


def case_seed(name: str) -> int:
    return zlib.crc32(name.encode()) % (2**31)


def seq_lens_for(n_time: int, n_batch: int):
    """Ragged lengths, longest first, like RETURNN's test make_feed_dict."""
    return np.array([n_time, max(n_time - 2, 1), max(n_time - 3, 1)][:n_batch], dtype=np.int32)


def describe_data(data, values_shape=None) -> dict:
    """RETURNN's Data (Tensor) template as JSON: dims, axes, sparse, dtype."""
    dims = []
    for axis, tag in enumerate(data.dims):
        kind = "batch" if tag == batch_dim or tag.is_batch_dim() else ("feature" if tag.is_feature_dim() else "spatial")
        dims.append(
            {
                "description": tag.description,
                "kind": kind,
                "static": tag.dimension,
                "dynamic": tag.dimension is None and not tag.is_batch_dim(),
            }
        )
    return {
        "repr": repr(data),
        "dims": dims,
        "batch_dim_axis": data.batch_dim_axis,
        "time_dim_axis": data.time_dim_axis,
        "feature_dim_axis": data.feature_dim_axis if not data.sparse else None,
        "sparse": bool(data.sparse),
        "sparse_dim": data.sparse_dim.dimension if data.sparse else None,
        "dim": data.dim,
        "dtype": data.dtype,
    }


def canonical_perm(data) -> list:
    """Batch first, (dense) feature last, the other axes in RETURNN's order."""
    axes = list(range(data.batch_ndim))
    b = data.batch_dim_axis
    f = data.feature_dim_axis if (not data.sparse and data.feature_dim_axis is not None) else None
    rest = [a for a in axes if a not in (b, f)]
    return ([b] if b is not None else []) + rest + ([f] if f is not None else [])


def make_inputs(net: TFNetwork, case: dict, rnd: np.random.RandomState):
    """Feed dict and the named arrays for inputs.safetensors (batch-major as RETURNN's extern data)."""
    feed, arrays = {}, {}
    sizes = {}  # id(dyn size tensor) -> lengths
    n_time = case.get("n_time", 7)
    lens_override = case.get("seq_lens", {})
    batch_info = None
    for key in sorted(net.extern_data.data.keys()):
        if key in net.extern_data.extra_added_keys:
            continue  # a layer's output (register_as_extern_data), not fed
        data = net.extern_data.data[key]
        batch_info = batch_info or data.batch
        shape = list(data.batch_shape)
        if data.batch_dim_axis is not None:
            shape[data.batch_dim_axis] = N_BATCH
        for axis, dim in enumerate(shape):
            if dim is not None:
                continue
            tag = data.dims[axis]
            dyn = tag.dyn_size
            if id(dyn) not in sizes:
                lens = np.array(lens_override.get(f"{key}:size{axis}", seq_lens_for(n_time, N_BATCH)), dtype=np.int32)
                sizes[id(dyn)] = lens
                feed[dyn] = lens
            shape[axis] = int(sizes[id(dyn)].max())
            arrays[f"{key}:size{axis}"] = sizes[id(dyn)]
        if key in case.get("input_values", {}):
            v = np.array(case["input_values"][key], dtype=data.dtype)
            assert list(v.shape) == shape, f"input_values[{key}] has shape {v.shape}, expected {shape}"
        elif data.sparse:
            v = rnd.randint(0, data.dim, size=shape).astype(data.dtype)
        elif data.dtype.startswith("int"):
            v = rnd.randint(0, 5, size=shape).astype(data.dtype)
        else:
            v = rnd.normal(size=shape).astype(data.dtype)
        feed[data.placeholder] = v
        arrays[key] = v
    if batch_info is not None and isinstance(batch_info.dim, tf.Tensor):
        feed[batch_info.dim] = N_BATCH
    if net.epoch_step is not None:  # `initial_state: "keep_over_epoch"`: the first step of an epoch, as RETURNN's tests feed it
        feed[net.epoch_step] = 0
    return feed, arrays


def randomize_constant_params(session, net: TFNetwork, rnd: np.random.RandomState):
    """Params RETURNN initialises to a constant (biases, batch-norm statistics, `variable`) get
    deterministic random values, so that a wrong mapping of them changes the outputs."""
    for p in sorted(net.get_saveable_params_list(), key=lambda v: v.name):
        v = session.run(p)
        if v.size == 0 or not np.issubdtype(v.dtype, np.floating) or not np.all(v == v.flat[0]):
            continue
        if "variance" in p.name or "var" in p.name.split("/")[-1].split(":")[0]:
            new = rnd.uniform(0.5, 1.5, size=v.shape)
        else:
            new = rnd.normal(scale=0.5, size=v.shape)
        p.load(new.astype(v.dtype), session)


def run_case(case: dict, out_dir: str):
    name = case["name"]
    # RETURNN adds entries to a subnetwork's dict in place ("data:data" for several sources); net.json gets the user's dict.
    network_as_given = json.loads(json.dumps(case["network"]))
    BehaviorVersion._behavior_version = None
    bv = case.get("behavior_version")
    # "extern_config": RETURNN's older config keys for the extern data (num_inputs/num_outputs) instead of extern_data.
    # "returnn_extern_data" (like "returnn_network"): RETURNN's extern_data when the JSON one holds Dims in JSON form.
    extern = case["returnn_extern_data"](case["extern_data"]) if "returnn_extern_data" in case else case["extern_data"]
    config_dict = {**(case.get("extern_config") or {"extern_data": extern}), "random_seed": SEED}
    if bv is not None:
        config_dict["behavior_version"] = bv
        BehaviorVersion.set(bv)
    config = Config(config_dict)
    with tf.Graph().as_default() as graph, tf.compat.v1.Session(graph=graph) as session:
        tf.compat.v1.set_random_seed(SEED)
        net = TFNetwork(config=config, train_flag=False)
        # A case may give RETURNN the dict with Python objects a JSON dict cannot hold (Dim tags for out_spatial_dim):
        # "returnn_network" is a function of the JSON dict; net.json keeps the JSON dict, which Strata builds.
        returnn_network = case["returnn_network"](case["network"]) if "returnn_network" in case else case["network"]
        net.construct_from_dict(returnn_network)
        # "outputs" may be a function of the constructed net (the layers RETURNN built).
        outputs = case["outputs"](net) if callable(case["outputs"]) else case["outputs"]
        for lname in outputs:
            if "/" not in lname and lname not in net.layers:
                net.construct_layer(returnn_network, lname)
        net.initialize_params(session)
        rnd = np.random.RandomState(case_seed(name))
        randomize_constant_params(session, net, rnd)
        feed, in_arrays = make_inputs(net, case, rnd)
        fetches, metas = {}, {}
        for lname in outputs:
            # RETURNN constructs only output layers (and what they need); a recorded layer that is
            # neither is constructed here, as `net.construct_layer` does for any layer of the dict.
            if "/" not in lname and lname not in net.layers:
                net.construct_layer(returnn_network, lname)
            layer = net.get_layer(lname)
            data = layer.output
            perm = canonical_perm(data)
            fetches[lname] = data.placeholder
            size_axes = {}
            for axis, tag in enumerate(data.dims):
                if tag.dimension is None and not tag.is_batch_dim():
                    dse = tag.dyn_size_ext
                    if dse is not None and dse.raw_tensor is not None and [d.is_batch_dim() for d in dse.dims] == [True]:
                        size_axes[perm.index(axis)] = dse.raw_tensor
                    elif dse is not None and dse.raw_tensor is not None and dse.dims == ():
                        size_axes[perm.index(axis)] = dse.raw_tensor
            for a, t in size_axes.items():
                fetches[f"{lname}:size{a}"] = t
            metas[lname] = {"returnn_data": describe_data(data), "perm": perm}
        # The params as they are before the forward pass: evaluation may update some (batch_norm before
        # behavior_version 12 moves its statistics in evaluation too), and Strata runs from these.
        saveable = net.get_saveable_params_list()  # what RETURNN's checkpoints hold (with global_step)
        params = net.get_params_list()  # the model's params
        param_values = session.run({p.op.name: p for p in params}) if params else {}

        os.makedirs(out_dir, exist_ok=True)
        if saveable:
            saver = tf.compat.v1.train.Saver(var_list=saveable, write_version=tf.compat.v1.train.SaverDef.V2)
            saver.save(session, os.path.join(out_dir, "model"), write_meta_graph=False, write_state=False)
        # "epoch_steps": N runs the same batch as steps 0 .. N-1 of an epoch (RETURNN feeds epoch_step; the post-run
        # updates, e.g. the assignment of initial_state "keep_over_epoch"'s kept state, run after each step) and records the last.
        for step in range(case.get("epoch_steps", 1) - 1):
            if isinstance(net.epoch_step, tf.Tensor):
                feed[net.epoch_step] = step
            session.run((fetches, net.get_post_control_dependencies()), feed_dict=feed)
        if isinstance(net.epoch_step, tf.Tensor):
            feed[net.epoch_step] = case.get("epoch_steps", 1) - 1
        values = session.run(fetches, feed_dict=feed)
        out_arrays = {}
        for lname in outputs:
            v = np.transpose(values[lname], metas[lname]["perm"])
            if v.dtype == np.bool_:
                v = v.astype(np.int32)
                metas[lname]["stored_bool_as_int32"] = True
            if v.dtype == np.int64:
                v = v.astype(np.int32)
            if np.issubdtype(v.dtype, np.floating):
                assert np.all(np.isfinite(v)), f"{name}: {lname} has non-finite values"
            out_arrays[lname] = np.ascontiguousarray(v).reshape(v.shape)  # ascontiguousarray makes 0-d arrays 1-d
            metas[lname]["shape"] = list(v.shape)
            metas[lname]["size_axes"] = []
            for k in values:
                if k.startswith(lname + ":size"):
                    a = int(k[len(lname) + 5 :])
                    out_arrays[k] = np.asarray(values[k]).astype(np.int32)
                    metas[lname]["size_axes"].append(a)
        save_file({k: np.ascontiguousarray(v).reshape(np.shape(v)) for k, v in param_values.items()}, os.path.join(out_dir, "params.safetensors"))  # 0-d stays 0-d
    save_file(in_arrays, os.path.join(out_dir, "inputs.safetensors"))
    save_file(out_arrays, os.path.join(out_dir, "outputs.safetensors"))
    net_json = {
        "name": name,
        "description": case.get("description", ""),
        "extern_data": case["extern_data"],
        "network": network_as_given,
        "behavior_version": bv,
        **({"extern_config": case["extern_config"]} if case.get("extern_config") else {}),
        "outputs": outputs,
        **({"epoch_steps": case["epoch_steps"]} if "epoch_steps" in case else {}),
        "returnn_commit": RETURNN_COMMIT,
        "tf_version": tf.__version__,
        "params": {k: {"shape": list(v.shape), "dtype": str(v.dtype)} for k, v in sorted(param_values.items())},
    }
    with open(os.path.join(out_dir, "net.json"), "w") as f:
        json.dump(net_json, f, indent=1, sort_keys=False)
        f.write("\n")
    with open(os.path.join(out_dir, "outputs.json"), "w") as f:
        f.write("{\n" + ",\n".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in metas.items()) + "\n}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default=os.path.join(HERE, "fixtures"))
    ap.add_argument("cases", nargs="*", help="case names (default: all)")
    args = ap.parse_args()
    names = set(args.cases)
    failed = []
    for case in ALL_CASES:
        if names and case["name"] not in names:
            continue
        out_dir = os.path.join(args.out, case["name"])
        if os.path.exists(out_dir):
            shutil.rmtree(out_dir)
        try:
            run_case(case, out_dir)
            print(f"ok   {case['name']}", flush=True)
        except Exception as e:  # report every case, then fail
            failed.append(case["name"])
            import traceback

            traceback.print_exc()
            print(f"FAIL {case['name']}: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}", flush=True)
            if os.path.exists(out_dir):
                shutil.rmtree(out_dir)
    if failed:
        print("failed:", " ".join(failed))
        sys.exit(1)


if __name__ == "__main__":
    main()
