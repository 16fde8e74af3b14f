import { ops } from '@strata/backend';
import { type Data, EvalExpressionError, type EvalNode, parseEvalExpression } from '@strata/core';
import { getOrConstruct } from './construct.js';
import type { LayerGraph } from './graph.js';

/** A rec layer's `max_seq_len`: a number of frames, or a function giving it for the current batch. */
export type MaxSeqLen = number | (() => number);

/** The frames of `m` for the current batch. */
export const resolveMaxSeqLen = (m: MaxSeqLen | undefined): number | undefined => (typeof m === 'function' ? m() : m);

/**
 * RETURNN's `max_seq_len` given as a string (`RecLayer.transform_config_dict`,
 * which `eval`s it with `max_len_from` and `tf` in scope), read without
 * running Python: an integer expression of int literals, `max_len_from("<layer>")`
 * (the longest sequence of that layer's (or extern data's, `"data:<key>"`) time axis in the batch, RETURNN's
 * `tf.reduce_max(layer.output.get_sequence_lengths())`), parentheses, unary
 * `-`/`+` and the binary `+`, `-`, `*`, `//`. `"base:<layer>"` names a layer of
 * the network enclosing the rec layer's network, and, where there is none (a rec
 * layer at the top, RETURNN's legacy fallback), the layer `<layer>` next to the rec layer.
 *
 * The layers named are constructed here (before the rec layer), as RETURNN's
 * `get_layer` calls in `transform_config_dict` do, so their lengths are known
 * when the rec layer runs.
 *
 * @param expression the string, e.g. `"max_len_from('base:encoder') * 3"`.
 * @param entry the net-dict key path for errors, e.g. `network.output.max_seq_len`.
 * @param graph the graph the rec layer is constructed in.
 * @returns a function giving the frames for the current batch (reads the lengths to the host).
 * @throws EvalExpressionError (wrapped in the entry's NetDictError by construction) for anything else (other names or functions, floats, strings outside
 *   `max_len_from`), for a layer that does not exist, or (when called) for a layer without a time axis.
 */
export function parseMaxSeqLen(expression: string, entry: string, graph: LayerGraph): () => number {
  const src = { entry, expression };
  const fail = (n: EvalNode, problem: string, fix: string): never => {
    throw new EvalExpressionError({ ...src, offset: n.at, construct: `\`${n.text.slice(0, 40)}\``, problem, fix });
  };
  const FIX = `write an integer expression of int literals and max_len_from("<layer>") with + - * //, e.g. "max_len_from('base:encoder') * 3".`;
  const layerOf = (n: EvalNode, ref: string): { name: string; output: Data } => {
    // "data" / "data:<key>": extern data (RETURNN's data layers), of the network the rec layer is in.
    const key = ref === 'data' || ref === 'base:data' ? graph.externData.defaultInput : /^(?:base:)?data:(.+)$/.exec(ref)?.[1];
    if (key !== undefined) {
      if (!graph.externData.hasData(key)) return fail(n, `there is no extern data '${key}' (keys: ${graph.externData.keys.join(', ')}).`, 'name an extern-data key.');
      return { name: `data:${key}`, output: graph.externData.getData(key) };
    }
    let g: LayerGraph = graph;
    let name = ref;
    if (ref.startsWith('base:')) {
      name = ref.slice(5);
      if (graph.parent && name in graph.parent.netDict) g = graph.parent;
    }
    if (!(name in g.netDict)) return fail(n, `there is no layer '${name}' (layers: ${Object.keys(g.netDict).join(', ')}).`, 'name a layer of the network (or "base:<layer>" of the enclosing one).');
    return getOrConstruct(g, name);
  };
  const compile = (n: EvalNode): (() => number) => {
    switch (n.k) {
      case 'num':
        if (!n.int) return fail(n, 'max_seq_len is a number of frames: only int literals.', FIX);
        return () => n.v;
      case 'unary': {
        const x = compile(n.x);
        if (n.op === '-') return () => -x();
        if (n.op === '+') return x;
        return fail(n, `the operator \`${n.op}\` is not supported here.`, FIX);
      }
      case 'bin': {
        const a = compile(n.a);
        const b = compile(n.b);
        if (n.op === '+') return () => a() + b();
        if (n.op === '-') return () => a() - b();
        if (n.op === '*') return () => a() * b();
        if (n.op === '//') return () => Math.floor(a() / b());
        return fail(n, `the operator \`${n.op}\` is not supported here (a float or a bool is no number of frames).`, FIX);
      }
      case 'call': {
        if (n.fn.k !== 'name' || n.fn.id !== 'max_len_from') return fail(n.fn, 'the only function here is max_len_from (RETURNN evaluates the string with max_len_from and tf; Strata never runs Python).', FIX);
        const arg = n.args[0];
        if (n.args.length !== 1 || n.kwargs.length > 0 || arg?.k !== 'str') return fail(n, 'max_len_from takes one layer name as a string literal.', FIX);
        const node = layerOf(arg, arg.v);
        return () => {
          const lens = node.output.timeDim?.dynSize;
          if (!lens) return fail(arg, `'${node.name}' has no time axis with sequence lengths (${node.output}), so it has no max length.`, 'name a layer with a time axis.');
          return Math.max(0, ...Array.from(ops.readSync(lens) as Int32Array));
        };
      }
      default:
        return fail(n, 'this construct is not supported in max_seq_len.', FIX);
    }
  };
  return compile(parseEvalExpression(src));
}
