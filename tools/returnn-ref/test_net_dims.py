"""RETURNN Dims of a test's source as Strata's JSON form (see packages/core/src/dim-json.ts, `DimJson`), for
extract_test_nets.py: `SpatialDim("time")`, `FeatureDim("feat", 5)`, `Dim(7, name="x")`,
`Dim(kind=Dim.Types.Spatial, description="time", dimension=None)`, `batch_dim`, `single_step_dim`, and the arithmetic
RETURNN's Dim allows (`+`, `-` an int, `*`, `//`, `div_left`/`div_right`, `ceildiv_left`/`ceildiv_right`), with the
descriptions, kinds and sizes RETURNN's returnn/tensor/_dim_extra.py gives them (the same rules as `dimMath` there)."""
from __future__ import annotations

import re

BATCH_DIM = {"dim": "global batch", "kind": "batch", "size": None}
SINGLE_STEP_DIM = {"dim": "single-step", "kind": "spatial", "size": 1, "special": True}
KINDS = {"Batch": "batch", "Spatial": "spatial", "Feature": "feature", "Unspecified": "unspecified"}
OP_STR = {"add": "+", "mul": "*", "floordiv": "//", "truediv": "/", "truediv_left": " /l ", "ceildiv": "/", "ceildiv_left": " /l "}
METHODS = {"div_left": "truediv_left", "div_right": "truediv", "ceildiv_left": "ceildiv_left", "ceildiv_right": "ceildiv",
           "sub_right": "sub"}


class DimError(Exception):
    """A Dim expression this module does not turn into JSON."""


def is_dim(v) -> bool:
    return isinstance(v, dict) and isinstance(v.get("dim"), str) and "kind" in v


def make_dim(call_name: str, args: list, kwargs: dict) -> dict:
    """The JSON Dim of a constructor call with literal arguments."""
    kw = dict(kwargs)
    if call_name in ("SpatialDim", "FeatureDim"):
        names = ["description", "dimension"]
        kind = "spatial" if call_name == "SpatialDim" else "feature"
    elif call_name in ("Dim", "DimensionTag"):
        names = ["dimension"]  # Dim(dimension, *, name=..., kind=..., description=...)
        kind = None
    else:
        raise DimError(f"{call_name}(...)")
    if len(args) > len(names):
        raise DimError(f"{call_name} with {len(args)} positional arguments")
    for n, a in zip(names, args):
        kw[n] = a
    desc = kw.pop("description", None)
    name = kw.pop("name", None)
    desc = desc if desc is not None else name
    size = kw.pop("dimension", None)
    if "kind" in kw:
        kind = kw.pop("kind")
    if kw:
        raise DimError(f"{call_name} with {sorted(kw)}")
    if not isinstance(desc, str) or not desc:
        raise DimError(f"{call_name} without a description")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        raise DimError(f"{call_name} with dimension {size!r}")
    kind = kind or "unspecified"
    if kind == "batch":
        return dict(BATCH_DIM)
    return {"dim": desc, "kind": kind, "size": size}


def _desc(x) -> str:
    if isinstance(x, int):
        return str(x)
    return f"({x['dim']})" if re.search(r"[+\-/ ]", x["dim"]) else x["dim"]


def derived(op: str, a, b) -> dict:
    """RETURNN's `_math_get_dim_via_bin_op([a, b], op)`."""
    sizes = [x if isinstance(x, int) else x["size"] for x in (a, b)]
    fn = {"add": lambda p, q: p + q, "mul": lambda p, q: p * q}.get(op)
    if fn is None:
        fn = (lambda p, q: -(-p // q)) if op.startswith("ceildiv") else (lambda p, q: p // q)
    size = fn(*sizes) if None not in sizes else None
    desc = OP_STR[op].join(_desc(x) for x in (a, b))
    if op.startswith("ceildiv"):
        desc = f"⌈{desc}⌉"
    kind = "feature" if any(not isinstance(x, int) and x["kind"] == "feature" for x in (a, b)) else "spatial"
    return {"dim": desc, "kind": kind, "size": size, "derived": {"op": op, "inputs": [a, b]}}


def _same(a, b) -> bool:
    if isinstance(a, int) or isinstance(b, int):
        return a == b
    return a["dim"] == b["dim"] and a["kind"] == b["kind"]


def dim_math(op: str, a, b) -> dict:
    """`a <op> b` with RETURNN's simplifications (mirrors `dimMath` of packages/core/src/dim-json.ts)."""
    if not is_dim(a) and not is_dim(b):
        raise DimError(f"{op} of two non-dims")
    for x in (a, b):
        if not is_dim(x) and (not isinstance(x, int) or isinstance(x, bool)):
            raise DimError(f"{op} of a Dim and {x!r}")
    if op == "sub":
        if not isinstance(b, int) or not is_dim(a):
            raise DimError("only Dim - int")
        if b == 0:
            return a
        d = a.get("derived")
        if d and d["op"] == "add" and _same(d["inputs"][1], b):
            return d["inputs"][0]
        return dim_math("add", a, -b)
    if op != "add" and op != "mul" and b == 0:
        raise DimError("division by zero")
    if op == "add":
        if b == 0:
            return a
        if a == 0:
            return b
        if isinstance(b, int) and is_dim(a) and a.get("derived", {}).get("op") == "add" and isinstance(a["derived"]["inputs"][1], int):
            n = a["derived"]["inputs"][1] + b
            return a["derived"]["inputs"][0] if n == 0 else derived("add", a["derived"]["inputs"][0], n)
        if isinstance(a, int) and is_dim(b) and b.get("derived", {}).get("op") == "add" and isinstance(b["derived"]["inputs"][0], int):
            n = a + b["derived"]["inputs"][0]
            return b["derived"]["inputs"][1] if n == 0 else derived("add", n, b["derived"]["inputs"][1])
        if _same(a, b):
            return derived("mul", 2, a)
        return derived("add", a, b)
    if op == "mul":
        if b == 1:
            return a
        if a == 1:
            return b
        return derived("mul", a, b)
    if not is_dim(a):
        raise DimError(f"int {op} Dim")
    if b == 1:
        return a
    m = a.get("derived")
    left = op in ("truediv_left", "ceildiv_left")
    if m and m["op"] == "mul" and _same(m["inputs"][0 if left else 1], b) and is_dim(m["inputs"][1 if left else 0]):
        return m["inputs"][1 if left else 0]
    return derived(op, a, b)
