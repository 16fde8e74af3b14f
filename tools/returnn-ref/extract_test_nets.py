"""Extracts the net dicts of RETURNN's own layer tests as data, for `src/build-rate.ts`.

Usage (from tools/returnn-ref; never run in CI, needs only the Python standard library):
  /work/venv-ref/bin/python extract_test_nets.py /work/returnn-src .cache/test-nets

Walks tests/test_TFNetworkLayer.py and tests/test_TFNetworkRecLayer.py of a RETURNN source export with `ast`
(nothing of RETURNN is imported or run). In each `test_*` function it finds the net dicts:

* the first argument of `construct_from_dict(...)`,
* dict literals assigned to `net_dict` / `network`,
* the `"network"` value of a dict literal that also describes extern data or is given to `Config(...)` /
  `config.update(...)` (`construct_from_dict(config.typed_dict["network"])` refers to it),
* the first argument of a module helper that puts its first parameter as `"network"` into a config with literal
  extern data (`_check_train_simple_network(net_dict)`), with that extern data,

(also in functions nested in the test, e.g. `test_x.run`)
and the extern data of the same test: the `extern_data` / `num_inputs` / `num_outputs` / `behavior_version` keys of
a config dict literal, `ExternData({...})`, or `Data(name=..., <literal kwargs>)` given to `register_data`. The one
nearest before the net dict (by line) is used. Names are replaced by the literal value of their last assignment in
the test before that line (or at module level), arithmetic on number literals is folded, RETURNN Dims
(`SpatialDim("time")`, `FeatureDim("f", 5)`, `Dim(...)`, `batch_dim`, `single_step_dim`, their arithmetic; a set of Dims
as a list) become Strata's JSON Dim form (test_net_dims.py, docs/returnn-dims.md), and the result must pass
`ast.literal_eval`; anything else (marked dims such as `ImplicitSparseDim`, dicts keyed by Dims, Python functions,
computed dicts) is not extracted and is listed in `_skipped.json` with the reason.

Each net is written to `<out>/<file>__<test>__L<line>.json`:
`{file, test, line, extern_data | extern_config, network, behavior_version, returnn_rejects, returnn_skip_if,
needs_python}` where `returnn_rejects` is set when the test expects RETURNN to raise on it (every
`construct_from_dict` of it sits in a `try` whose handlers do not raise), `returnn_skip_if` is the test's
`unittest.skipIf` decorator (GPU-only tests) and `needs_python` names an `eval` string that refers to a function of
the test file or to a config entry (RETURNN resolves those from Python, a net dict alone cannot give them).

RETURNN's tests are under RETURNN's own licence (tools/returnn-ref does not redistribute them): the extracted dicts
go to the gitignored `.cache/`, and only the tool and the counts `src/build-rate.ts` prints are committed.
"""
from __future__ import annotations

import ast
import json
import os
import re
import sys

from test_net_literals import NotLiteral, Scope, call_name, jsonable, walk_no_nested

FILES = ["tests/test_TFNetworkLayer.py", "tests/test_TFNetworkRecLayer.py"]
NET_NAMES = {"net_dict", "network"}
EXTERN_KEYS = {"extern_data", "num_inputs", "num_outputs"}
DATA_DROP = {"name", "auto_create_placeholders", "placeholder", "size_placeholder"}


def _parents(func: ast.AST) -> dict[int, ast.AST]:
    out = {}
    for node in ast.walk(func):
        for child in ast.iter_child_nodes(node):
            out[id(child)] = node
    return out


def _in_expecting_try(node: ast.AST, parents: dict[int, ast.AST]) -> bool:
    """Whether `node` sits in the body of a `try` none of whose handlers raise (the test expects an error; a handler
    that re-raises or raises `SkipTest` is error reporting)."""
    child, cur = node, parents.get(id(node))
    while cur is not None:
        if isinstance(cur, ast.Try) and child in cur.body and cur.handlers:
            reraises = any(isinstance(n, ast.Raise) for h in cur.handlers for n in ast.walk(h))
            if not reraises:
                return True
        child, cur = cur, parents.get(id(cur))
    return False


def _str_keys(d: ast.Dict) -> dict[str, ast.AST]:
    return {k.value: v for k, v in zip(d.keys, d.values) if isinstance(k, ast.Constant) and isinstance(k.value, str)}


def _config_network_ref(node: ast.AST) -> bool:
    """`config.typed_dict["network"]` / `config.typed_value("network")`."""
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return node.slice.value == "network"
    if isinstance(node, ast.Call) and call_name(node) in ("typed_value", "value") and node.args:
        return isinstance(node.args[0], ast.Constant) and node.args[0].value == "network"
    return False


def _resolve_dict(node: ast.AST, scope: Scope, line: int, config_nets=()) -> tuple[ast.Dict | None, int]:
    """The dict literal a name refers to (following names; a config's `"network"`: the nearest one before), and its line."""
    if _config_network_ref(node):
        before = [(l, d) for l, d in config_nets if l <= line]
        if not before:
            return None, line
        node, line = before[-1][1], before[-1][0]
    for _ in range(10):
        if isinstance(node, ast.Dict):
            return node, line
        if isinstance(node, ast.Name):
            found = scope.lookup(node.id, line)
            if not found:
                return None, line
            line, node = found[0] or line, found[1]
            continue
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and node.slice.value == "network":
            # config.typed_dict["network"] / config.typed_value("network"): the config's network
            return None, line
        return None, line
    return None, line


EVAL_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


def _needs_python(net, scope: Scope, config_keys: set[str]) -> str | None:
    """An `eval` string that calls a function of the test file or a config entry."""
    if isinstance(net, dict):
        for k, v in net.items():
            if k == "eval" and isinstance(v, str):
                for name in EVAL_NAME.findall(v):
                    if scope.is_func(name) or name in config_keys:
                        return f"eval {v!r} uses {name}"
            r = _needs_python(v, scope, config_keys)
            if r:
                return r
    elif isinstance(net, (list, tuple)):
        for v in net:
            r = _needs_python(v, scope, config_keys)
            if r:
                return r
    return None


def helper_externs(module: ast.Module, module_funcs: set[str]) -> dict[str, dict]:
    """Module helpers (`_check_train_simple_network(network)`) that put their first parameter as `"network"` into a
    config dict literal with literal extern data: helper name -> `{"extern_config"|"extern_data": ...}`."""
    out = {}
    for f in module.body:
        if not isinstance(f, ast.FunctionDef) or f.name.startswith("test_") or not f.args.args:
            continue
        param = f.args.args[0].arg
        scope = Scope(f, module, module_funcs)
        for n in walk_no_nested(f):
            if isinstance(n, ast.Dict):
                keys = _str_keys(n)
                net = keys.get("network")
                if isinstance(net, ast.Name) and net.id == param and keys.keys() & EXTERN_KEYS:
                    try:
                        if "extern_data" in keys:
                            out[f.name] = {"extern_data": jsonable(scope.value(keys["extern_data"], n.lineno))}
                        else:
                            out[f.name] = {"extern_config": jsonable({k: scope.value(keys[k], n.lineno) for k in ("num_inputs", "num_outputs") if k in keys})}
                    except NotLiteral:
                        pass
    return out


def extract_function(func: ast.FunctionDef, module: ast.Module, module_funcs: set[str], rel: str,
                     helpers: dict[str, dict] | None = None, outer: Scope | None = None, test_name: str | None = None):
    scope = Scope(func, module, module_funcs, outer)
    skip_if = next((ast.unparse(dec) for dec in func.decorator_list if "skip" in ast.unparse(dec)), None)
    helpers = helpers or {}
    helper_ext: dict[int, dict] = {}  # id(net node) -> extern of the helper it is given to
    parents = _parents(func)
    nets: list[tuple[ast.AST, int]] = []  # (node giving the net dict, line)
    constructs: list[ast.Call] = []
    configs: list[tuple[int, ast.Dict]] = []  # config dict literals (extern data keys)
    externs: list[tuple[int, ast.AST, str]] = []  # (line, node, kind)
    registered: list[tuple[int, ast.Call]] = []
    config_nets: list[tuple[int, ast.AST]] = []  # (line, "network" value of a config dict)

    for node in walk_no_nested(func):
        if isinstance(node, ast.Call):
            name = call_name(node)
            if name == "construct_from_dict" and node.args:
                constructs.append(node)
                nets.append((node.args[0], node.lineno))
            elif name in helpers and node.args and isinstance(node.func, ast.Name):
                d, _ = _resolve_dict(node.args[0], scope, node.lineno)
                if d is not None:
                    helper_ext[id(d)] = helpers[name]
                    nets.append((d, node.lineno))
            elif name in ("Config", "update") and node.args and isinstance(node.args[0], ast.Dict):
                d = node.args[0]
                configs.append((node.lineno, d))
                if "network" in _str_keys(d):
                    nets.append((_str_keys(d)["network"], node.lineno))
                    config_nets.append((node.lineno, _str_keys(d)["network"]))
            elif name == "ExternData":
                arg = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "data"), None)
                if arg is not None:
                    externs.append((node.lineno, arg, "ExternData"))
            elif name == "register_data" and node.args:
                a = node.args[0]
                if isinstance(a, ast.Name):
                    found = scope.lookup(a.id, node.lineno)
                    a = found[1] if found else a
                if isinstance(a, ast.Call) and call_name(a) == "Data":
                    registered.append((node.lineno, a))
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name) and t.id in NET_NAMES and isinstance(node.value, ast.Dict):
                    nets.append((node.value, node.lineno))
        if isinstance(node, ast.Dict):
            keys = _str_keys(node)
            if keys.keys() & EXTERN_KEYS and not any(c[1] is node for c in configs):
                configs.append((node.lineno, node))
                if "network" in keys:
                    nets.append((keys["network"], node.lineno))
                    config_nets.append((node.lineno, keys["network"]))
    for line, d in configs:
        keys = _str_keys(d)
        if keys.keys() & EXTERN_KEYS:
            externs.append((line, d, "config"))
    if registered:
        externs.append((max(l for l, _ in registered), registered, "register_data"))

    config_keys = set()
    behavior_version = None
    for line, d in configs:
        keys = _str_keys(d)
        config_keys |= set(keys)
        if "behavior_version" in keys:
            try:
                behavior_version = scope.value(keys["behavior_version"], line)
            except NotLiteral:
                pass

    # Each dict once, at the last line that uses it (construct_from_dict / Config), to find the extern data then.
    last_use: dict[int, tuple[ast.Dict, int]] = {}
    for node, line in nets:
        d, _ = _resolve_dict(node, scope, line)
        if d is not None:  # else a name of a non-dict (e.g. TFNetwork) or the config's network: found elsewhere
            last_use[id(d)] = (d, max(line, last_use.get(id(d), (d, 0))[1]))
    out, skipped = [], []
    for d, line in sorted(last_use.values(), key=lambda x: x[0].lineno):
        rec = {"file": rel, "test": test_name or func.name, "line": d.lineno}
        # Mutated after its definition: net_dict["x"] = ... / net_dict.update(...)
        var_names = {t.id for n in walk_no_nested(func) if isinstance(n, ast.Assign) and n.value is d for t in n.targets if isinstance(t, ast.Name)}
        mutated = any(
            (isinstance(n, (ast.Assign, ast.AugAssign)) and any(isinstance(t, ast.Subscript) and _root(t) in var_names for t in (n.targets if isinstance(n, ast.Assign) else [n.target])))
            or (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("update", "pop", "setdefault") and _root(n.func.value) in var_names)
            or _fills_arg(n, module, var_names)
            for n in ast.walk(func)
        )
        try:
            if mutated:
                raise NotLiteral("mutated", f"{sorted(var_names)} changed by code after its literal")
            network = jsonable(scope.value(d, d.lineno))
            if not isinstance(network, dict) or not network:
                raise NotLiteral("other", "not a dict, or empty (filled by code)")
        except NotLiteral as e:
            skipped.append({**rec, "what": "network", "kind": e.kind, "reason": str(e)})
            continue
        before = [e for e in externs if e[0] <= line]
        ext = max(before, key=lambda e: e[0]) if before else min(externs, key=lambda e: e[0], default=None)
        try:
            if id(d) in helper_ext:
                rec.update(helper_ext[id(d)])
            elif ext is None:
                raise NotLiteral("no-extern-data", "no literal extern data in the test")
            else:
                rec.update(_extern_of(ext, scope))
        except NotLiteral as e:
            skipped.append({**rec, "what": "extern_data", "kind": e.kind, "reason": str(e)})
            continue
        rec["network"] = network
        rec["behavior_version"] = behavior_version
        uses = [c for c in constructs if _resolve_dict(c.args[0], scope, c.lineno, sorted(config_nets, key=lambda x: x[0]))[0] is d]
        rec["returnn_rejects"] = bool(uses) and all(_in_expecting_try(c, parents) for c in uses)
        rec["returnn_skip_if"] = skip_if
        rec["needs_python"] = _needs_python(network, scope, config_keys - {"network", "extern_data"})
        out.append(rec)
    for n in walk_no_nested(func):
        if isinstance(n, ast.FunctionDef):
            o, sk = extract_function(n, module, module_funcs, rel, helpers, scope, f"{test_name or func.name}.{n.name}")
            out += o
            skipped += sk
    return out, skipped


def _extern_of(ext: tuple, scope: Scope) -> dict:
    """`{"extern_data": ...}` or `{"extern_config": {num_inputs, num_outputs}}` of one extern-data source."""
    line, node, kind = ext
    if kind == "config":
        keys = _str_keys(node)
        if "extern_data" in keys:
            return {"extern_data": jsonable(scope.value(keys["extern_data"], line))}
        return {"extern_config": jsonable({k: scope.value(keys[k], line) for k in ("num_inputs", "num_outputs") if k in keys})}
    if kind == "ExternData":
        return {"extern_data": jsonable(scope.value(node, line))}
    data = {}
    for rline, call in node:  # register_data(Data(name=..., ...)) calls
        nm = next((k.value for k in call.keywords if k.arg == "name"), None)
        if not isinstance(nm, ast.Constant) or call.args:
            raise NotLiteral("python-call", "Data(...) without a literal name")
        data[nm.value] = {k.arg: scope.value(k.value, rline) for k in call.keywords if k.arg and k.arg not in DATA_DROP}
    return {"extern_data": jsonable(data)}


def _fills_arg(call: ast.AST, module: ast.Module, var_names: set[str]) -> bool:
    """Whether `call` gives (a part of) the dict to a function of the test module that assigns into that parameter (`helper(net["output"]["unit"], ...)`)."""
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
        return False
    fn = next((f for f in module.body if isinstance(f, ast.FunctionDef) and f.name == call.func.id), None)
    if fn is None:
        return False
    params = [a.arg for a in fn.args.args]
    given = [params[i] for i, a in enumerate(call.args) if i < len(params) and _root(a) in var_names]
    given += [k.arg for k in call.keywords if k.arg and _root(k.value) in var_names]
    return any(
        isinstance(n, (ast.Assign, ast.AugAssign)) and any(isinstance(t, ast.Subscript) and _root(t) in given for t in (n.targets if isinstance(n, ast.Assign) else [n.target]))
        for n in ast.walk(fn)
    )


def _root(n: ast.AST) -> str | None:
    while isinstance(n, (ast.Subscript, ast.Attribute)):
        n = n.value
    return n.id if isinstance(n, ast.Name) else None


def main():
    src, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    for f in os.listdir(out_dir):
        if f.endswith(".json"):
            os.remove(os.path.join(out_dir, f))
    all_nets, all_skipped = [], []
    for rel in FILES:
        module = ast.parse(open(os.path.join(src, rel)).read())
        module_funcs = {n.name for n in module.body if isinstance(n, ast.FunctionDef)}
        helpers = helper_externs(module, module_funcs)
        for node in module.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                nets, skipped = extract_function(node, module, module_funcs, rel, helpers)
                all_nets += nets
                all_skipped += skipped
    size = 0
    for rec in all_nets:
        name = f"{os.path.basename(rec['file'])[:-3]}__{rec['test']}__L{rec['line']}.json"
        text = json.dumps(rec, indent=1, allow_nan=False)
        size += len(text)
        with open(os.path.join(out_dir, name), "w") as fh:
            fh.write(text)
    with open(os.path.join(out_dir, "_skipped.json"), "w") as fh:
        json.dump(all_skipped, fh, indent=1)
    kinds = {}
    for s in all_skipped:
        kinds[f"{s['what']}:{s['kind']}"] = kinds.get(f"{s['what']}:{s['kind']}", 0) + 1
    print(f"extracted {len(all_nets)} net dicts ({size / 1024:.0f} KB), skipped {len(all_skipped)}: {sorted(kinds.items(), key=lambda kv: -kv[1])}")
    print(f"returnn_rejects {sum(r['returnn_rejects'] for r in all_nets)}, needs_python {sum(bool(r['needs_python']) for r in all_nets)}, "
          f"returnn_skip_if {sum(bool(r['returnn_skip_if']) for r in all_nets)}")


if __name__ == "__main__":
    main()
