import { describe, expect, it } from 'vitest';
import { errorOf, parse, value } from '../test-utils/returnn-config.js';
import { ReturnnConfigError } from './errors.js';
import { parseReturnnConfig } from './read.js';
import { findOpaque, OpaqueValue, toPlain } from './values.js';

describe('parseReturnnConfig: literals', () => {
  it('reads numbers in every Python spelling', () => {
    expect(value('x = [1, -2, 1e-3, 5.e-15, 10., .5, 1_000, 0x1F, 0o17, 0b101, 2.5E+2]')).toEqual([1, -2, 0.001, 5e-15, 10, 0.5, 1000, 31, 15, 5, 250]);
  });
  it('reads strings with all quote forms, escapes, prefixes and implicit concatenation', () => {
    expect(value(`x = ["a", 'b', """c\nd""", '''e''', r"\\d+", u"\\u00e9", "t\\tn\\n", "x\\x41", "con" 'cat' """ted"""]`)).toEqual([
      'a',
      'b',
      'c\nd',
      'e',
      '\\d+',
      'é',
      't\tn\n',
      'xA',
      'concatted',
    ]);
  });
  it('reads True/False/None, lists, tuples, dicts, sets, nesting, trailing commas and comments inside', () => {
    const v = value(`x = {
    "a": (1, 2,),  # a tuple
    "b": [True, False, None],
    'c': {"d": {1, 2}},
    5: "int key",
}`);
    expect(v).toEqual({ a: [1, 2], b: [true, false, null], c: { d: [1, 2] }, '5': 'int key' });
  });
});

describe('parseReturnnConfig: expressions', () => {
  it('computes arithmetic with Python semantics', () => {
    expect(value('x = [2 * 512, 1. / 3, 7 // 2, -7 // 2, -7 % 3, 2 ** 10, -(3 - 5), 1 + 2 * 3]')).toEqual([1024, 1 / 3, 3, -4, 2, 1024, 2, 7]);
  });
  it('references earlier names, also inside dicts, and aliases dicts as Python does', () => {
    const c = parse('num_outputs = 10\nn = {"n_out": num_outputs, "l": [num_outputs] * 2}\nm = n\nm["k"] = 1\n');
    expect(toPlain(c.entries.get('n')!.value)).toEqual({ n_out: 10, l: [10, 10], k: 1 });
  });
  it('formats strings with %, concatenates, and evaluates comparisons, and/or/not and conditionals', () => {
    expect(value('t = "train"\nx = ["data:%s" % t, "%d-%s-%.2f" % (3, "a", 0.5), "%(k)s" % {"k": 1}, t + "!", t == "train", 1 < 2 <= 2 < 1, not t, t and 5, None or "d", 3 if t != "train" else 4, "a" in ["a"]]')).toEqual([
      'data:train',
      '3-a-0.50',
      '1',
      'train!',
      true,
      false,
      false,
      5,
      'd',
      4,
      true,
    ]);
  });
  it('evaluates subscripts, slices, dict(...), pure builtins, copies and in-place updates', () => {
    const c = parse(
      'train = {"class": "Task12AXDataset", "num_seqs": 1000}\ndev = train.copy()\ndev.update({"num_seqs": train["num_seqs"] // 10, "fixed_random_seed": 42})\n' +
        'l = [1, 2, 3]\nl.append(4)\nl += [5]\ns = l[1:-1]\nd = dict(a=1, **{"b": 2})\nn = [len(l), min(l), max(3, 9), abs(-2), int("7"), float(3), str(5), list(range(3))]\n',
    );
    const v = (n: string) => toPlain(c.entries.get(n)!.value);
    expect(v('train')).toEqual({ class: 'Task12AXDataset', num_seqs: 1000 });
    expect(v('dev')).toEqual({ class: 'Task12AXDataset', num_seqs: 100, fixed_random_seed: 42 });
    expect(v('s')).toEqual([2, 3, 4]);
    expect(v('d')).toEqual({ a: 1, b: 2 });
    expect(v('n')).toEqual([5, 1, 9, 2, 7, 3, '5', [0, 1, 2]]);
  });
  it('chained and unpacking assignments, augmented assignment, annotated assignment', () => {
    const c = parse('a = b = 3\np, q = 1, "two"\n(r, s) = [q, p]\nb += 1\nt: int = 5\n');
    expect(Object.fromEntries([...c.entries].map(([k, e]) => [k, e.value]))).toEqual({ a: 3, b: 4, p: 1, q: 'two', r: 'two', s: 1, t: 5 });
  });
  it("RETURNN's config getters see the names assigned so far, else the default; __file__ is the file name", () => {
    const c = parse('layer_dim = config.int("layer_dim", 500)\nn = 7\nm = config.int("n", 1)\ntask = config.value("task", "train")\nimport os\nname, ext = os.path.splitext(__file__)\n');
    expect(c.entries.get('layer_dim')!.value).toBe(500);
    expect(c.entries.get('m')!.value).toBe(7);
    expect(c.entries.get('task')!.value).toBe('train');
    expect(c.entries.get('name')!.value).toBe('x');
    expect(c.entries.get('ext')!.value).toBe('.config');
  });
  it('runs the branch of an if whose condition it can decide', () => {
    const c = parse('task = "train"\nif task == "train":\n  beam = 4\nelif task == "search":\n  beam = 8\nelse:\n  beam = 12\n');
    expect(c.entries.get('beam')!.value).toBe(4);
  });
});

describe('parseReturnnConfig: what needs Python', () => {
  it('keeps lambdas, defs, comprehensions, f-strings and unknown calls as opaque values with their location', () => {
    const c = parse('def f(x):\n  return x\nnet = {"a": {"class": "eval", "eval": lambda source, **kw: source(0)}}\nl = [i for i in range(3)]\ns = f"{l}"\nimport os\nm = "/tmp/%s/model" % os.getlogin()\ng = f\n');
    const at = (n: string) => findOpaque(c.entries.get(n)!.value)!;
    expect(at('net').path).toEqual(['a', 'eval']);
    expect(at('net').opaque.construct).toBe('lambda');
    expect(at('net').opaque.location).toMatchObject({ line: 4, column: 39 });
    expect(at('l').opaque.construct).toBe('list comprehension');
    expect(at('s').opaque.construct).toBe('f-string');
    expect(at('g').opaque.construct).toBe('def f');
    expect(at('g').opaque.location.line).toBe(2);
    expect(at('m').opaque.construct).toBe('call of os.getlogin()');
  });
  it('notes imports, print and defs without running them; imported names are opaque', () => {
    const c = parse('import os\nfrom returnn.tf.util.data import Data, batch_dim\nfrom __future__ import print_function\nprint("Hello %s" % "x")\n"""docstring"""\nd = Data\n');
    expect(c.entries.get('d')!.value).toBeInstanceOf(OpaqueValue);
    // RETURNN's Dim names (batch_dim here) are read as JSON Dims (dims.test.ts); other imported names are opaque.
    expect((c.entries.get('d')!.value as OpaqueValue).construct).toBe('Data imported from returnn.tf.util.data');
    expect(c.notes.map((n) => [n.line, n.message.split(':')[0]])).toEqual([
      [3, 'from returnn.tf.util.data import ...'],
      [5, 'print(...)'],
    ]);
  });
  it('makes names assigned under an undecidable if opaque', () => {
    const c = parse('import env\nx = env.get("X")\nif x:\n  a = 1\nelse:\n  b = [2]\n');
    expect((c.entries.get('a')!.value as OpaqueValue).construct).toMatch(/^a name assigned under `if x`/);
    expect((c.entries.get('b')!.value as OpaqueValue).location).toMatchObject({ line: 4, column: 4 });
  });
});

describe('parseReturnnConfig: errors name file, line, column, the construct and the fix', () => {
  it.each([
    ['for i in range(3):\n  x = i\n', 2, 1, 'for loop'],
    ['x = 1\nwhile x:\n  x = 0\n', 3, 1, 'while loop'],
    ['import os\nsetup(x=1)\n', 3, 1, 'statement `setup(x=1)`'],
    ['x = (1,\n', 3, 1, 'syntax error'],
    ['x = {"a" 1}\n', 2, 10, 'syntax error'],
    ['x = y + 1\n', 2, 5, 'name y'],
    ['x = 1 / 0\n', 2, 5, 'expression `1 / 0`'],
    ['d = {"a": 1}\nx = d["b"]\n', 3, 5, '`d["b"]`'],
    ['x = 3j\n', 2, 5, 'number 3j'],
    ['x = b"raw"\n', 2, 5, 'string b"raw"'],
    ['with open("f") as f:\n  x = 1\n', 2, 1, 'with statement'],
  ])('%j', (body, line, column, construct) => {
    const e = errorOf(body);
    expect([e.file, e.line, e.column, e.construct]).toEqual(['x.config', line, column, construct]);
    expect(e.message).toMatch(/^x\.config:\d+:\d+: .+ Fix: .+/);
  });
  it('a file without #! is not read as Python, as in RETURNN', () => {
    expect(() => parseReturnnConfig('x = 1\n', 'a.config')).toThrow(/starts with neither.*Fix: add '#!rnn.py'/);
  });
  it('a file starting with { is read as JSON, as in RETURNN', () => {
    const c = parseReturnnConfig('{\n  "batch_size": 64,\n  "network": {"out": {"class": "softmax"}}\n}\n', 'a.config');
    expect(c.format).toBe('json');
    expect(c.entries.get('network')).toEqual({ value: { out: { class: 'softmax' } }, line: 3, column: 3 });
  });
});
