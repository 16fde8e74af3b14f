import type { SyntaxNode } from '@lezer/common';
import { type Binding, type EvalEnv, errorAt, opaqueAt, quote } from './eval-env.js';
import { dictKey, evaluate, sequence, subscript } from './expressions.js';
import { binaryOp, OperatorError } from './operators.js';
import { dimImport } from './dims.js';
import { children } from './tree.js';
import { isPyDict, ModuleValue, OpaqueValue, type PyValue, pyRepr, pyTruth } from './values.js';

/** Modules whose import binds names Strata can use: `os` (for `os.path`'s string functions). Others bind opaque names. */
const KNOWN_MODULES = new Set(['os', 'os.path']);

const STATEMENT_WORDS: Record<string, string> = {
  ForStatement: 'for loop',
  WhileStatement: 'while loop',
  WithStatement: 'with statement',
  TryStatement: 'try statement',
  DeleteStatement: 'del statement',
  ScopeStatement: 'global/nonlocal statement',
  RaiseStatement: 'raise statement',
  ReturnStatement: 'return outside a function',
  MatchStatement: 'match statement',
  BreakStatement: 'break',
  ContinueStatement: 'continue',
};

/** Runs the statements of a module body (or an if-branch) in `env`, as Python's `exec` would for the subset Strata reads. */
export function runStatements(env: EvalEnv, nodes: SyntaxNode[]): void {
  for (const node of nodes) runStatement(env, node);
}

function runStatement(env: EvalEnv, node: SyntaxNode): void {
  switch (node.name) {
    case 'PassStatement':
    case ':':
      return;
    case 'ImportStatement':
      return importStatement(env, node);
    case 'AssignStatement':
      return assignStatement(env, node);
    case 'UpdateStatement':
      return updateStatement(env, node);
    case 'ExpressionStatement':
      return expressionStatement(env, node);
    case 'IfStatement':
      return ifStatement(env, node);
    case 'AssertStatement': {
      const v = evaluate(env, children(node)[1]!);
      if (pyTruth(v) === false) throw errorAt(env, node, `\`${quote(env, node)}\``, 'the assertion fails (Python would raise AssertionError).', 'fix the config so the assertion holds.');
      return;
    }
    case 'FunctionDefinition':
    case 'ClassDefinition':
    case 'DecoratedStatement': {
      const def = node.name === 'DecoratedStatement' ? children(node).at(-1)! : node;
      const nameNode = children(def).find((c) => c.name === 'VariableName')!;
      const id = env.tree.text(nameNode);
      const what = def.name === 'ClassDefinition' ? `class ${id}` : `def ${id}`;
      env.scope.set(id, opaqueAt(env, def, what));
      env.notes.push({ ...env.tree.location(def.from), message: `${what}: not run; an option Strata reads that uses ${id} is an error` });
      return;
    }
  }
  const word = STATEMENT_WORDS[node.name] ?? `statement \`${quote(env, node)}\``;
  throw errorAt(env, node, word, 'this statement runs code at module level, which Strata does not do (it never executes a config).');
}

function importStatement(env: EvalEnv, node: SyntaxNode): void {
  const cs = children(node);
  const loc = env.tree.location(node.from);
  if (cs[0]!.name === 'from') {
    const importAt = cs.findIndex((c) => c.name === 'import');
    const module = cs.slice(1, importAt).map((c) => env.tree.text(c)).join('');
    if (module === '__future__') return;
    let others = 0;
    for (let i = importAt + 1; i < cs.length; i++) {
      const c = cs[i]!;
      if (c.name !== 'VariableName') continue;
      const alias = cs[i + 1]?.name === 'as' ? cs[(i += 2)]! : c;
      const id = env.tree.text(alias);
      const full = `${module}.${env.tree.text(c)}`;
      // RETURNN's Dim names (Dim, SpatialDim, FeatureDim, batch_dim, single_step_dim): evaluated to JSON Dims (dims.ts).
      const dim = dimImport(module, env.tree.text(c));
      if (dim === undefined) others++;
      env.scope.set(id, dim ?? (KNOWN_MODULES.has(full) ? new ModuleValue(full) : opaqueAt(env, c, `${env.tree.text(c)} imported from ${module}`)));
    }
    if (others > 0) env.notes.push({ ...loc, message: `from ${module} import ...: not run; the imported names are only usable in options Strata does not read` });
    return;
  }
  // import a.b.c [as x], d
  let i = 1;
  while (i < cs.length) {
    const start = i;
    while (i < cs.length && cs[i]!.name !== ',' && cs[i]!.name !== 'as') i++;
    const dotted = cs.slice(start, i).map((c) => env.tree.text(c)).join('');
    let id = dotted.split('.')[0]!;
    let bound = id;
    if (cs[i]?.name === 'as') {
      id = env.tree.text(cs[i + 1]!);
      bound = dotted;
      i += 2;
    }
    env.scope.set(id, KNOWN_MODULES.has(bound) ? new ModuleValue(bound) : opaqueAt(env, cs[start]!, `module ${bound}`));
    if (!KNOWN_MODULES.has(bound)) env.notes.push({ ...loc, message: `import ${dotted}: not run; names from it are only usable in options Strata does not read` });
    i++;
  }
}

/** The value of an assignment's right side as a binding: a module stays a module (`config = globals()["config"]`, `p = os.path`). */
function bindingOf(env: EvalEnv, node: SyntaxNode): Binding {
  if (node.name === 'VariableName') {
    const b = env.scope.get(env.tree.text(node));
    if (b instanceof ModuleValue) return b;
  }
  // globals()["name"]: the module-level binding itself.
  if (node.name === 'MemberExpression') {
    const [obj, open, key] = children(node);
    if (open?.name === '[' && obj?.name === 'CallExpression' && /^globals\s*\(\s*\)$/.test(env.tree.text(obj))) {
      const k = evaluate(env, key!);
      if (typeof k === 'string' && env.scope.has(k)) return env.scope.get(k)!;
    }
  }
  return evaluate(env, node);
}

function assignStatement(env: EvalEnv, node: SyntaxNode): void {
  const cs = children(node).filter((c) => c.name !== 'TypeDef');
  // Segments between `=`: targets..., value. `a, b = 1, 2` has commas inside a segment.
  const segments: SyntaxNode[][] = [[]];
  for (const c of cs) {
    if (c.name === 'AssignOp') segments.push([]);
    else segments.at(-1)!.push(c);
  }
  const valueNodes = segments.pop()!;
  const value: Binding = valueNodes.length === 1 ? bindingOf(env, valueNodes[0]!) : sequence(env, valueNodes);
  for (const target of segments) assignTarget(env, target, value);
}

function assignTarget(env: EvalEnv, target: SyntaxNode[], value: Binding): void {
  const parts = target.filter((c) => c.name !== ',');
  if (parts.length === 1 && parts[0]!.name === 'VariableName') {
    env.scope.set(env.tree.text(parts[0]!), value);
    return;
  }
  if (parts.length === 1 && (parts[0]!.name === 'TupleExpression' || parts[0]!.name === 'ArrayExpression' || parts[0]!.name === 'ParenthesizedExpression')) {
    return assignTarget(env, children(parts[0]!).slice(1, -1), value);
  }
  if (parts.length === 1 && parts[0]!.name === 'MemberExpression') return assignItem(env, parts[0]!, value);
  // Unpacking: a, b = value
  if (value instanceof OpaqueValue || value instanceof ModuleValue) {
    for (const p of parts) assignTarget(env, [p], value instanceof ModuleValue ? opaqueAt(env, p, `module ${value.module}`) : value);
    return;
  }
  const seq = Array.isArray(value) ? value : typeof value === 'string' ? [...value] : isPyDict(value) ? Object.keys(value) : undefined;
  if (!seq || seq.length !== parts.length) {
    throw errorAt(env, target[0]!, `unpacking into ${parts.length} names`, `the value ${pyRepr(value)} does not have ${parts.length} items (Python would raise ValueError).`, 'unpack a list or tuple of matching length.');
  }
  parts.forEach((p, i) => assignTarget(env, [p], seq[i]!));
}

/** `x[k] = v` on a dict or list (an item of an opaque value stays opaque); `x.attr = v` needs Python. */
function assignItem(env: EvalEnv, node: SyntaxNode, value: Binding): void {
  const [objNode, open, keyNode] = children(node);
  if (open?.name !== '[') throw errorAt(env, node, `attribute assignment \`${quote(env, node)}\``, 'setting attributes of objects needs Python.');
  const obj = evaluate(env, objNode!);
  const key = evaluate(env, keyNode!);
  if (obj instanceof OpaqueValue || key instanceof OpaqueValue) return;
  const v = value instanceof ModuleValue ? opaqueAt(env, node, `module ${value.module}`) : value;
  if (isPyDict(obj)) {
    obj[dictKey(env, keyNode!, key)] = v;
    return;
  }
  if (Array.isArray(obj) && typeof key === 'number') {
    subscript(env, node, obj, key); // range check
    obj[key < 0 ? obj.length + key : key] = v;
    return;
  }
  throw errorAt(env, node, `\`${quote(env, node)}\``, `${pyRepr(obj)} does not support item assignment.`, 'assign items of a dict or list.');
}

function updateStatement(env: EvalEnv, node: SyntaxNode): void {
  const [target, opNode, valueNode] = children(node);
  const op = env.tree.text(opNode!).slice(0, -1);
  const cur = evaluate(env, target!);
  const v = evaluate(env, valueNode!);
  if (Array.isArray(cur) && op === '+' && Array.isArray(v)) {
    cur.push(...v); // in place, as Python's list +=
    return;
  }
  let next: PyValue;
  try {
    next = binaryOp(op, cur, v);
  } catch (e) {
    if (e instanceof OperatorError) throw errorAt(env, node, `\`${quote(env, node)}\``, `${e.message} (Python would raise here).`, 'fix the expression.');
    throw e;
  }
  assignTarget(env, [target!], next);
}

/** Methods that change a dict or list in place. */
const MUTATORS = new Set(['update', 'append', 'extend', 'insert', 'setdefault', 'pop']);

function expressionStatement(env: EvalEnv, node: SyntaxNode): void {
  const expr = children(node)[0]!;
  if (expr.name === 'String' || expr.name === 'ContinuedString') return; // a docstring
  if (expr.name === 'CallExpression') {
    const [callee, argList] = children(expr);
    if (callee!.name === 'VariableName' && env.tree.text(callee!) === 'print' && !env.scope.has('print')) {
      env.notes.push({ ...env.tree.location(node.from), message: 'print(...): not run (output only)' });
      return;
    }
    const cs = callee!.name === 'MemberExpression' ? children(callee!) : [];
    const method = cs[1]?.name === '.' ? env.tree.text(cs[2]!) : '';
    if (MUTATORS.has(method)) {
      const obj = evaluate(env, cs[0]!);
      if (obj instanceof OpaqueValue) return;
      const args = sequence(env, children(argList!).slice(1, -1));
      if (args instanceof OpaqueValue || (Array.isArray(args) && args.some((a) => a instanceof OpaqueValue))) {
        // The object changes in a way Strata cannot compute: it becomes opaque where it is bound.
        rebindOpaque(env, cs[0]!, expr);
        return;
      }
      if (mutate(obj, method, args as PyValue[])) return;
    }
  }
  throw errorAt(env, node, `statement \`${quote(env, node)}\``, 'a call at module level runs code, and Strata does not know what it changes.');
}

function mutate(obj: PyValue, method: string, args: PyValue[]): boolean {
  if (isPyDict(obj)) {
    if (method === 'update' && args.length === 1 && isPyDict(args[0])) Object.assign(obj, args[0]);
    else if (method === 'setdefault' && typeof args[0] === 'string') obj[args[0]] ??= args[1] ?? null;
    else if (method === 'pop' && typeof args[0] === 'string') delete obj[args[0]];
    else return false;
    return true;
  }
  if (Array.isArray(obj)) {
    if (method === 'append' && args.length === 1) obj.push(args[0]!);
    else if (method === 'extend' && Array.isArray(args[0])) obj.push(...args[0]);
    else if (method === 'insert' && typeof args[0] === 'number' && args.length === 2) obj.splice(args[0], 0, args[1]!);
    else if (method === 'pop' && args.length <= 1) obj.splice(typeof args[0] === 'number' ? args[0] : -1, 1);
    else return false;
    return true;
  }
  return false;
}

function rebindOpaque(env: EvalEnv, target: SyntaxNode, at: SyntaxNode): void {
  if (target.name === 'VariableName') env.scope.set(env.tree.text(target), opaqueAt(env, at, `\`${quote(env, at)}\``));
  else throw errorAt(env, at, `statement \`${quote(env, at)}\``, 'it changes a nested value in a way Strata cannot compute.');
}

function ifStatement(env: EvalEnv, node: SyntaxNode): void {
  const cs = children(node);
  for (let i = 0; i < cs.length; i++) {
    const word = cs[i]!.name;
    if (word === 'else') return runStatements(env, children(cs[i + 1]!));
    if (word !== 'if' && word !== 'elif') continue;
    const test = cs[i + 1]!;
    const t = evaluate(env, test);
    const truth = pyTruth(t);
    if (truth === true) return runStatements(env, children(cs[i + 2]!));
    if (truth === undefined) {
      // Strata cannot decide the branch: every name any branch assigns becomes opaque.
      const why = opaqueAt(env, test, `a name assigned under \`${env.tree.text(cs[i]!)} ${quote(env, test)}\`, which Strata cannot decide (${(t as OpaqueValue).construct})`);
      for (const id of assignedNames(env, node)) env.scope.set(id, why);
      return;
    }
    i += 2;
  }
}

/** Names assigned anywhere inside a statement (targets of `=` and `+=`, `def`, `class`, `import`). */
function assignedNames(env: EvalEnv, node: SyntaxNode): Set<string> {
  const out = new Set<string>();
  const rootName = (n: SyntaxNode): string | undefined => {
    let cur: SyntaxNode | null = n;
    while (cur && cur.name !== 'VariableName') cur = cur.firstChild;
    return cur ? env.tree.text(cur) : undefined;
  };
  const visit = (n: SyntaxNode): void => {
    if (n.name === 'FunctionDefinition' || n.name === 'ClassDefinition') {
      const id = n.getChild('VariableName');
      if (id) out.add(env.tree.text(id));
      return;
    }
    if (n.name === 'AssignStatement' || n.name === 'UpdateStatement') {
      for (const c of children(n)) {
        if (c.name === 'AssignOp' || c.name === 'UpdateOp') break;
        for (const t of c.name === 'TupleExpression' || c.name === 'ArrayExpression' ? children(c) : [c]) {
          const id = t.name === ',' ? undefined : rootName(t);
          if (id) out.add(id);
        }
      }
    }
    if (n.name === 'ImportStatement') for (const c of n.getChildren('VariableName')) out.add(env.tree.text(c));
    for (let c = n.firstChild; c; c = c.nextSibling) visit(c);
  };
  visit(node);
  return out;
}
