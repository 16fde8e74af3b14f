"""Builds each net dict `extract_test_nets.py` took from RETURNN's own tests (`.cache/test-nets/*.json`) in the real
RETURNN, exactly as `generate.py` builds a case (its `run_case`: random params, constant params randomised, batch 3,
ragged lengths, no search: a `choice` layer takes the target), and writes one fixture folder per net to
`.cache/test-net-fixtures/<cache file stem>/` for `src/match-rate.ts`.

Recorded: every top-level entry of the dict that RETURNN's `construct_from_dict` built (`output`, the layers with a
loss or `is_output_layer`, and what they need; not the layers inside rec loops or sub-networks), except outputs the
comparison cannot judge (search beams, strings, dynamic axes whose lengths are not one per sequence); those are listed
with the reason in the folder's `source.json`. Nets RETURNN itself cannot build or run here are listed with the reason
in `_returnn_failed.json` (the held-out check of issue #15 only has nets RETURNN builds). Nets RETURNN rejects, tests
RETURNN skips here and nets that need the test's Python are not built (`build-rate.ts` counts them apart).

The fixtures are RETURNN's test data (its licence): they stay in the gitignored `.cache/`. Never run in CI.

Usage (from tools/returnn-ref):
  RETURNN_SRC=/work/returnn-src /work/venv-ref/bin/python test_net_fixtures.py [--timeout 180] [stem ...]

Each net runs in a worker process (one worker builds many nets); a net that takes longer than `--timeout` seconds
is recorded as failed and the worker is replaced.
"""
from __future__ import annotations

import argparse
import json
import os
import select
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(HERE, ".cache", "test-nets")
OUT = os.path.join(HERE, ".cache", "test-net-fixtures")
MARK = "@@test-net-fixture "


def apart_reason(net: dict) -> str | None:
    """Why a net is not built (counted apart by build-rate.ts too), or None."""
    if net.get("returnn_rejects"):
        return "the test expects RETURNN to raise"
    if net.get("returnn_skip_if"):
        return "RETURNN skips the test here"
    if net.get("needs_python"):
        return "needs the test's Python"
    return None


def as_test_wrote(value):
    """The net dict as the test's Python gave it to RETURNN: JSON turned the tuple `out_type["shape"]` into a list,
    and RETURNN's LayerBase asserts `self.output.shape == out_type["shape"]` (a tuple never equals a list), so a layer
    with such an out_type fails to construct unless the shape is a tuple again."""
    if isinstance(value, dict):
        out = {k: as_test_wrote(v) for k, v in value.items()}
        ot = out.get("out_type")
        if isinstance(ot, dict) and isinstance(ot.get("shape"), list):
            out["out_type"] = {**ot, "shape": tuple(ot["shape"])}
        return out
    if isinstance(value, list):
        return [as_test_wrote(v) for v in value]
    return value


def recordable_outputs(net_dict: dict, skipped: dict):
    """`outputs` for generate.run_case: the top-level entries RETURNN built, `output` first; the others go to `skipped`."""

    def select_outputs(net) -> list:
        names = sorted((n for n in net_dict if n in net.layers), key=lambda n: (n != "output", n))
        out = []
        for name in names:
            data = net.layers[name].output
            reason = None
            if data.placeholder is None:
                reason = "no output tensor"
            elif data.beam is not None:
                reason = f"search beam {data.beam}"
            elif data.dtype == "string" or data.dtype.startswith("complex"):
                reason = f"{data.dtype} output (safetensors has no such dtype)"
            else:
                for tag in data.dims:
                    if tag.dimension is not None or tag.is_batch_dim():
                        continue
                    dse = tag.dyn_size_ext
                    if dse is None or dse.raw_tensor is None:
                        reason = f"dynamic axis {tag.description} without lengths"
                    elif not (dse.dims == () or [d.is_batch_dim() for d in dse.dims] == [True]):
                        reason = f"dynamic axis {tag.description} with lengths of dims {dse.dims} (not one per sequence)"
                    if reason:
                        break
            if reason:
                skipped[name] = reason
            else:
                out.append(name)
        if not out:
            raise RuntimeError(f"no recordable output (skipped: {skipped})")
        return out

    return select_outputs


def complete_checkpoint(generate, case: dict, out_dir: str, search: bool = False) -> list:
    """Adds to the fixture's checkpoint (`model.*`, `params.safetensors`) the params RETURNN's evaluation build lacks:
    layers only a loss or the search needs (in rec loops, or feeding only those) are constructed with `train_flag=True`
    only, and a checkpoint of training holds them. They get deterministic random values (constant ones as
    `generate.randomize_constant_params` sets them); the others keep the fixture's values, so the outputs stay valid.
    With `search`, the build is RETURNN's search net instead (`search_flag=True`: layers only the search needs, for a
    net RETURNN cannot build for training, e.g. a masked computation it would move out of the loop).
    Returns the names added."""
    import numpy as np
    import tensorflow as tf
    from safetensors.numpy import load_file, save_file

    params_file = os.path.join(out_dir, "params.safetensors")
    have = load_file(params_file)
    generate.BehaviorVersion._behavior_version = None
    bv = case.get("behavior_version")
    from cases.dims_f import to_returnn_dims

    dims: dict = {}  # new Dim objects for this graph (RETURNN Dims keep per-graph sizes)
    extern_data = to_returnn_dims(case.get("extern_data"), dims)
    config_dict = {**(case.get("extern_config") or {"extern_data": extern_data}), "random_seed": generate.SEED}
    if bv is not None:
        config_dict["behavior_version"] = bv
        generate.BehaviorVersion.set(bv)
    with tf.Graph().as_default() as graph, tf.compat.v1.Session(graph=graph) as session:
        tf.compat.v1.set_random_seed(generate.SEED)
        net = generate.TFNetwork(config=generate.Config(config_dict), **({"search_flag": True} if search else {"train_flag": True}))
        net.construct_from_dict(as_test_wrote(to_returnn_dims(json.loads(json.dumps(case["network"])), dims)))
        params = {p.op.name: p for p in net.get_params_list()}
        added = sorted(n for n in params if n not in have)
        if not added:
            return []
        net.initialize_params(session)
        generate.randomize_constant_params(session, net, np.random.RandomState(generate.case_seed(case["name"]) + 1))
        for name, p in params.items():
            if name in have:
                p.load(have[name], session)
        saver = tf.compat.v1.train.Saver(var_list=net.get_saveable_params_list(), write_version=tf.compat.v1.train.SaverDef.V2)
        saver.save(session, os.path.join(out_dir, "model"), write_meta_graph=False, write_state=False)
        values = session.run(params)
    save_file({k: np.ascontiguousarray(v).reshape(np.shape(v)) for k, v in values.items()}, params_file)
    return added


def worker(files: list, out_root: str):
    """Builds each net in RETURNN (generate.run_case); one result line per net on stdout, marked with MARK."""
    import generate  # TF and RETURNN: imported once per worker
    from cases.dims_f import to_returnn_dims

    for path in files:
        stem = os.path.splitext(os.path.basename(path))[0]
        print(MARK + json.dumps({"start": stem}), flush=True)
        with open(path) as f:
            net = json.load(f)
        out_dir = os.path.join(out_root, stem)
        if os.path.exists(out_dir):
            shutil.rmtree(out_dir)
        skipped: dict = {}
        # A float scalar without batch (a resize factor): a positive value, as RETURNN's tests feed it (not N(0, 1)).
        scalars = {
            k: 2.0
            for k, v in (net.get("extern_data") or {}).items()
            if v.get("shape") == [] and v.get("batch_dim_axis", 0) is None and v.get("dtype", "float32").startswith("float")
        }
        case = {
            "name": stem,
            "description": f"{net['file']}::{net['test']}:{net['line']}",
            "extern_data": net.get("extern_data"),
            "extern_config": net.get("extern_config"),
            "network": net["network"],
            "behavior_version": net.get("behavior_version"),
            "outputs": recordable_outputs(net["network"], skipped),
            **({"input_values": scalars} if scalars else {}),
        }
        # Dims in their JSON form (extract_test_nets.py): RETURNN gets Dim objects, one per description in the net.
        dim_cache: dict = {}
        case["returnn_extern_data"] = lambda value, cache=dim_cache: to_returnn_dims(value, cache)
        case["returnn_network"] = lambda value, cache=dim_cache: as_test_wrote(to_returnn_dims(value, cache))
        t0 = time.time()
        try:
            generate.run_case(case, out_dir)
            try:
                added = complete_checkpoint(generate, case, out_dir)
            except Exception as e:  # the eval fixture stands; its checkpoint may lack params of loss-only layers
                added = [f"(train_flag=True build failed: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})"]
                try:
                    added += complete_checkpoint(generate, case, out_dir, search=True)
                except Exception as e2:
                    added += [f"(search_flag=True build failed: {type(e2).__name__}: {str(e2).splitlines()[0] if str(e2) else ''})"]
            with open(os.path.join(out_dir, "source.json"), "w") as f:
                json.dump({"file": net["file"], "test": net["test"], "line": net["line"], "skipped_outputs": skipped,
                           "params_added_from_training_build": added}, f, indent=1)
            result = {"stem": stem, "ok": True, "seconds": round(time.time() - t0, 1), "skipped_outputs": skipped}
        except Exception as e:  # RETURNN cannot build or run it: recorded, not a Strata failure
            import traceback

            print(f"=== {stem}", file=sys.stderr)
            traceback.print_exc()
            msg = str(e).strip().splitlines()
            result = {"stem": stem, "ok": False, "error": f"{type(e).__name__}: {msg[0] if msg else ''}"[:400]}
            if os.path.exists(out_dir):
                shutil.rmtree(out_dir)
        print(MARK + json.dumps(result), flush=True)


def run_workers(files: list, out_root: str, timeout: float, log) -> dict:
    """Runs the nets in worker processes, replacing a worker that exceeds `timeout` seconds on one net."""
    results: dict = {}
    todo = list(files)
    while todo:
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--out", out_root, *todo]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True, bufsize=1)
        current, started = None, time.time()
        timed_out = False
        while True:
            wait = timeout - (time.time() - started) if current else timeout * 4  # the first import of TF is slow
            ready, _, _ = select.select([proc.stdout], [], [], max(wait, 0))
            if not ready:
                timed_out = True
                break
            line = proc.stdout.readline()
            if not line:
                break
            if not line.startswith(MARK):
                continue
            msg = json.loads(line[len(MARK):])
            if "start" in msg:
                current, started = msg["start"], time.time()
                continue
            results[msg["stem"]] = msg
            todo = [p for p in todo if os.path.splitext(os.path.basename(p))[0] != msg["stem"]]
            current = None
            status = f"ok   ({msg['seconds']} s)" if msg["ok"] else f"FAIL {msg['error']}"
            print(f"[{len(results)}/{len(files)}] {status} {msg['stem']}", flush=True)
        if timed_out:
            proc.kill()
        proc.wait()
        if current is not None and current not in results:  # timed out or the worker died on it
            why = f"timeout after {timeout:.0f} s" if timed_out else f"the worker process died (exit code {proc.returncode})"
            results[current] = {"stem": current, "ok": False, "error": why}
            todo = [p for p in todo if os.path.splitext(os.path.basename(p))[0] != current]
            shutil.rmtree(os.path.join(out_root, current), ignore_errors=True)
            print(f"[{len(results)}/{len(files)}] FAIL {why} {current}", flush=True)
        elif todo and current is None and proc.returncode != 0:
            raise RuntimeError(f"worker exited with {proc.returncode} before starting a net; see the log")
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", default=CACHE, help="folder written by extract_test_nets.py")
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--timeout", type=float, default=180.0, help="seconds per net")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("nets", nargs="*", help="cache file stems (default: all); with --worker: the files")
    args = ap.parse_args()
    if args.worker:
        worker(args.nets, args.out)
        return

    stems = set(args.nets)
    files, apart = [], {}
    for fn in sorted(os.listdir(args.cache)):
        stem = os.path.splitext(fn)[0]
        if not fn.endswith(".json") or fn.startswith("_") or (stems and stem not in stems):
            continue
        with open(os.path.join(args.cache, fn)) as f:
            reason = apart_reason(json.load(f))
        if reason:
            apart[stem] = reason
        else:
            files.append(os.path.join(args.cache, fn))
    os.makedirs(args.out, exist_ok=True)
    print(f"{len(files)} nets to build in RETURNN ({len(apart)} counted apart), timeout {args.timeout:.0f} s per net", flush=True)
    with open(os.path.join(args.out, "_log.txt"), "w") as log:
        results = run_workers(files, args.out, args.timeout, log)

    failed_file = os.path.join(args.out, "_returnn_failed.json")
    failed = {}
    if stems and os.path.exists(failed_file):  # a partial run keeps the other nets' entries
        with open(failed_file) as f:
            failed = {k: v for k, v in json.load(f).items() if k not in results}
    failed.update({stem: r["error"] for stem, r in results.items() if not r["ok"]})
    with open(failed_file, "w") as f:
        json.dump(dict(sorted(failed.items())), f, indent=1)
        f.write("\n")
    ok = sum(1 for r in results.values() if r["ok"])
    print(f"RETURNN builds and runs {ok}/{len(results)} nets; {len(results) - ok} failed (see {failed_file})")


if __name__ == "__main__":
    main()
