"""Literal values of a RETURNN test's source (for extract_test_nets.py): names resolved to their last literal
assignment, arithmetic on number literals folded, then `ast.literal_eval`; what is not data raises NotLiteral."""
from __future__ import annotations

import ast
import copy
import math

from test_net_dims import BATCH_DIM, KINDS, METHODS, SINGLE_STEP_DIM, DimError, dim_math, is_dim, make_dim

DIM_CALLS = {"SpatialDim", "FeatureDim", "Dim", "DimensionTag", "ImplicitDynSizeDim", "ImplicitSparseDim"}
DIM_MAKERS = {"SpatialDim", "FeatureDim", "Dim", "DimensionTag"}  # turned into JSON Dims (test_net_dims.py)
BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.FloorDiv: "floordiv", ast.Div: "truediv"}
DIM_NAMES = {"batch_dim", "single_step_dim"}

class NotLiteral(Exception):
    """A value that is not a literal; `kind` groups the reasons."""

    def __init__(self, kind: str, detail: str):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind


class Scope:
    """Assignments of one test function (and the module's), to resolve names to literal values."""

    def __init__(self, func: ast.FunctionDef | None, module: ast.Module, module_funcs: set[str], outer: "Scope | None" = None):
        self.outer = outer
        self.assigns: dict[str, list[tuple[int, ast.AST]]] = {}
        self.module_assigns: dict[str, ast.AST] = {}
        self.local_funcs: set[str] = set()
        self.module_funcs = module_funcs
        # (line, col) of a Dim constructor call -> the JSON description it gets (see dim_descriptions)
        self.dim_names: dict[tuple[int, int], str] = outer.dim_names if outer is not None else (dim_descriptions(func) if func else {})
        for node in module.body:
            if isinstance(node, ast.Assign):
                for name, value in _targets(node):
                    self.module_assigns[name] = value
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for a in node.names:
                    self.module_assigns.setdefault(a.asname or a.name.split(".")[0], node)
        if func is None:
            return
        for node in walk_no_nested(func):
            if isinstance(node, ast.Assign):
                for name, value in _targets(node):
                    self.assigns.setdefault(name, []).append((node.lineno, value))
            elif isinstance(node, (ast.For, ast.comprehension)):
                for t in ast.walk(node.target):
                    if isinstance(t, ast.Name):
                        self.assigns.setdefault(t.id, []).append((getattr(node, "lineno", 0), node))
            elif isinstance(node, (ast.FunctionDef, ast.Lambda)) and node is not func:
                if isinstance(node, ast.FunctionDef):
                    self.local_funcs.add(node.name)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for a in node.names:
                    self.assigns.setdefault(a.asname or a.name.split(".")[0], []).append((node.lineno, node))
            elif isinstance(node, ast.With):
                for item in node.items:
                    if isinstance(item.optional_vars, ast.Name):
                        self.assigns.setdefault(item.optional_vars.id, []).append((node.lineno, item.context_expr))
        for v in self.assigns.values():
            v.sort(key=lambda x: x[0])

    def is_func(self, name: str) -> bool:
        return name in self.local_funcs or name in self.module_funcs or (self.outer is not None and self.outer.is_func(name))

    def lookup(self, name: str, line: int) -> tuple[int, ast.AST] | None:
        before = [a for a in self.assigns.get(name, []) if a[0] < line]
        if before:
            return before[-1]
        if self.outer is not None:
            return self.outer.lookup(name, 10**9)
        if name in self.module_assigns:
            return 0, self.module_assigns[name]
        return None

    def value(self, node: ast.AST, line: int, depth: int = 0):
        """The literal value of `node` at `line`, or NotLiteral."""
        if depth > 20:
            raise NotLiteral("other", "name resolution too deep")
        node = self._substitute(node, line, depth)
        try:
            return ast.literal_eval(node)
        except (ValueError, TypeError, SyntaxError) as e:
            raise NotLiteral("other-expression", f"{ast.unparse(node)[:80]} ({e})") from None

    def _substitute(self, node: ast.AST, line: int, depth: int) -> ast.AST:
        scope = self

        class Sub(ast.NodeTransformer):
            def visit_Name(self, n: ast.Name):
                if scope.is_func(n.id):
                    raise NotLiteral("python-function", n.id)
                found = scope.lookup(n.id, line)
                if n.id in DIM_NAMES and (found is None or isinstance(found[1], (ast.Import, ast.ImportFrom))):
                    return _to_ast(dict(BATCH_DIM if n.id == "batch_dim" else SINGLE_STEP_DIM))
                if found is None:
                    raise NotLiteral("unresolved-name", n.id)
                at, value = found
                if isinstance(value, (ast.For, ast.comprehension)):
                    raise NotLiteral("loop-variable", n.id)
                if isinstance(value, (ast.Import, ast.ImportFrom)):
                    raise NotLiteral("python-object", f"{n.id} (imported)")
                if isinstance(value, ast.Lambda):
                    raise NotLiteral("python-function", n.id)
                if isinstance(value, ast.Call) and call_name(value) in DIM_CALLS and call_name(value) not in DIM_MAKERS:
                    raise NotLiteral("dim-tag", f"{n.id} = {call_name(value)}(...)")
                try:
                    v = scope.value(value, at if at else line, depth + 1)
                except NotLiteral as e:
                    if e.kind == "dim-tag" and not str(e).startswith(f"dim-tag: {n.id} ="):
                        raise NotLiteral("dim-tag", f"{n.id} = {str(e)[len('dim-tag: '):]}") from None
                    raise
                return _to_ast(v)

            def visit_Call(self, n: ast.Call):
                name = call_name(n)
                if name in DIM_MAKERS and (isinstance(n.func, ast.Name) or ast.unparse(n.func) in ("data.Dim", "data.SpatialDim", "data.FeatureDim")):
                    return _to_ast(self._make_dim(n, name))
                if name in DIM_CALLS:
                    raise NotLiteral("dim-tag", f"{name}(...)")
                if isinstance(n.func, ast.Attribute) and (n.func.attr in METHODS or n.func.attr == "sub_left") and len(n.args) == 1 and not n.keywords:
                    a, b = self._lit(self.visit(n.func.value)), self._lit(self.visit(n.args[0]))
                    if is_dim(a):
                        try:
                            if n.func.attr == "sub_left":  # (-b) + a
                                return _to_ast(dim_math("add", -b if isinstance(b, int) else b, a))
                            return _to_ast(dim_math(METHODS[n.func.attr], a, b))
                        except (DimError, TypeError) as e:
                            raise NotLiteral("dim-tag", f"{ast.unparse(n)[:60]}: {e}") from None
                if name == "dict" and not n.args:
                    return ast.Dict(
                        keys=[ast.Constant(k.arg) for k in n.keywords], values=[self.visit(k.value) for k in n.keywords]
                    )
                raise NotLiteral("python-call", ast.unparse(n)[:80])

            def visit_Lambda(self, n):
                raise NotLiteral("python-function", "lambda")

            def _lit(self, node):
                try:
                    return ast.literal_eval(node)
                except (ValueError, TypeError, SyntaxError):
                    return None

            def _make_dim(self, n: ast.Call, name: str) -> dict:
                kwargs = {}
                for k in n.keywords:
                    if k.arg == "kind":
                        kind = ast.unparse(k.value).split(".")
                        if len(kind) < 2 or kind[-2] != "Types" or kind[-1] not in KINDS:
                            raise NotLiteral("dim-tag", f"{name}(kind={ast.unparse(k.value)})")
                        kwargs["kind"] = KINDS[kind[-1]]
                    elif k.arg is None:
                        raise NotLiteral("dim-tag", f"{name}(**...)")
                    else:
                        kwargs[k.arg] = self._lit(self.visit(k.value))
                args = [self._lit(self.visit(a)) for a in n.args]
                try:
                    d = make_dim(name, args, kwargs)
                except DimError as e:
                    raise NotLiteral("dim-tag", str(e)) from None
                renamed = scope.dim_names.get((n.lineno, n.col_offset))
                if renamed is not None and d["kind"] != "batch":
                    d["dim"] = renamed
                return d

            def visit_Dict(self, n: ast.Dict):
                self.generic_visit(n)
                if any(k is not None and is_dim(self._lit(k)) for k in n.keys):
                    raise NotLiteral("dim-tag", "a dict keyed by Dims (e.g. set_dim_tags {time_dim: other_dim}); JSON keys are strings")
                return n

            def visit_Set(self, n: ast.Set):
                # RETURNN's out_shape is a set of Dims: a list in JSON (its order does not matter there).
                self.generic_visit(n)
                vals = [self._lit(e) for e in n.elts]
                if any(is_dim(v) for v in vals):
                    return ast.List(elts=n.elts, ctx=ast.Load())
                return n

            def visit_UnaryOp(self, n: ast.UnaryOp):
                self.generic_visit(n)
                v = self._lit(n.operand)
                if isinstance(n.op, ast.USub) and is_dim(v):
                    return _to_ast(dim_math("mul", -1, v))
                return n

            def visit_BinOp(self, n: ast.BinOp):
                self.generic_visit(n)
                try:
                    a, b = ast.literal_eval(n.left), ast.literal_eval(n.right)
                except ValueError:
                    return n
                if (is_dim(a) or is_dim(b)) and type(n.op) in BINOPS:
                    try:
                        return _to_ast(dim_math(BINOPS[type(n.op)], a, b))
                    except DimError as e:
                        raise NotLiteral("dim-tag", f"{ast.unparse(n)[:60]}: {e}") from None
                ops = {ast.Add: lambda x, y: x + y, ast.Sub: lambda x, y: x - y, ast.Mult: lambda x, y: x * y,
                       ast.FloorDiv: lambda x, y: x // y, ast.Div: lambda x, y: x / y, ast.Pow: lambda x, y: x ** y}
                if type(n.op) in ops and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (a, b)):
                    return _to_ast(ops[type(n.op)](a, b))
                if isinstance(n.op, ast.Add) and type(a) is type(b) and isinstance(a, (str, list, tuple)):
                    return _to_ast(a + b)
                if isinstance(n.op, ast.Mod) and isinstance(a, str):
                    return _to_ast(a % b)
                return n

            def visit_Attribute(self, n):
                raise NotLiteral("python-object", ast.unparse(n)[:80])

            def visit_Subscript(self, n):
                raise NotLiteral("python-object", ast.unparse(n)[:80])

        return Sub().visit(copy.deepcopy(node))


def _literal_description(call: ast.Call) -> str | None:
    """The literal description of a Dim constructor call (`SpatialDim("t")`, `Dim(3, name="x")`, `description=`)."""
    for k in call.keywords:
        if k.arg in ("description", "name") and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str):
            return k.value.value
    if call_name(call) in ("SpatialDim", "FeatureDim") and call.args:
        a = call.args[0]
        if isinstance(a, ast.Constant) and isinstance(a.value, str):
            return a.value
    return None


def dim_descriptions(func: ast.AST) -> dict[tuple[int, int], str]:
    """Distinct Dims of one test that share a description get distinct JSON descriptions.

    RETURNN compares Dim objects; Strata's JSON form (docs/returnn-dims.md) identifies a Dim by its description. So
    in one test (with its nested functions), the constructor calls that give the same description are ordered by
    source position: the first keeps it, the k-th (k >= 2) becomes `<description>#k` (`FeatureDim("feature", 5)`
    then `FeatureDim("feature", 3)`: `feature`, `feature#2`). Returns (line, col) of the call -> description, for
    the renamed calls only."""
    calls: dict[str, list[tuple[int, int]]] = {}
    for n in ast.walk(func):
        if isinstance(n, ast.Call) and call_name(n) in DIM_MAKERS:
            desc = _literal_description(n)
            if desc is not None:
                calls.setdefault(desc, []).append((n.lineno, n.col_offset))
    out = {}
    for desc, at in calls.items():
        for k, pos in enumerate(sorted(set(at))[1:], start=2):
            out[pos] = f"{desc}#{k}"
    return out


def _to_ast(v) -> ast.AST:
    return ast.parse(repr(v), mode="eval").body


def call_name(call: ast.Call) -> str | None:
    f = call.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return None


def _targets(node: ast.Assign):
    for t in node.targets:
        if isinstance(t, ast.Name):
            yield t.id, node.value
        elif isinstance(t, (ast.Tuple, ast.List)) and isinstance(node.value, (ast.Tuple, ast.List)):
            if len(t.elts) == len(node.value.elts):
                for te, ve in zip(t.elts, node.value.elts):
                    if isinstance(te, ast.Name):
                        yield te.id, ve


def walk_no_nested(func: ast.AST):
    """ast.walk over a function body, not descending into nested function definitions."""
    todo = list(ast.iter_child_nodes(func))
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        todo.extend(ast.iter_child_nodes(node))



def jsonable(v):
    """Tuples as lists; refuses sets, non-str keys, inf/nan and bytes (NotLiteral)."""
    if isinstance(v, dict):
        if not all(isinstance(k, str) for k in v):
            raise NotLiteral("non-json", f"non-str dict key in {list(v)[:5]}")
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, (set, frozenset, bytes, complex)):
        raise NotLiteral("non-json", type(v).__name__)
    if isinstance(v, float) and not math.isfinite(v):
        raise NotLiteral("non-json", repr(v))
    return v
