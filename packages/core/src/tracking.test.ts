// Auto-tracking in every Layer (Keras 3 / PyTorch): sub-layers and variables
// assigned to fields, arrays and plain objects, nested; and the call-context
// rule (the training flag flows from the outermost call into nested calls).
import { getBackend, ops, type Tensor } from '@strata/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainingContext } from './call-context.js';
import { DuplicateNameError, TrackingCycleError } from './errors.js';
import { type CallContext, INFERENCE, Layer } from './layer.js';
import { Dropout } from './layers/dropout.js';
import { Linear } from './layers/linear.js';
import { Rng } from './rng.js';
import { useBackend } from './test-utils/setup.js';
import { Variable } from './variable.js';

beforeAll(() => useBackend('tfjs-cpu'));

const paths = (l: Layer): string[] => l.variables.map((v) => v.path);

/** A user layer holding a sub-layer in a field: the trap of tfjs-layers #8253. */
class Block extends Layer {
  static override readonly className: string = 'Block';
  inner = new Linear({ units: 3 });
  override call(x: Tensor | Tensor[], ctx: CallContext): Tensor {
    return this.inner.apply(x, ctx);
  }
}

describe('auto-tracking in every Layer', () => {
  it('a sub-layer in a field of a custom Layer is tracked: weights, names, trainable list', () => {
    const block = new Block({ name: 'block' });
    block.apply(ops.ones([2, 4]));
    expect(block.layers).toEqual([block.inner]);
    expect(paths(block)).toEqual(['block/dense/kernel', 'block/dense/bias']);
    expect(block.trainableVariables.map((v) => v.name)).toEqual(['block/dense/kernel:0', 'block/dense/bias:0']);
    expect(block.countParams()).toBe(4 * 3 + 3);
  });

  it('nested custom layers give nested scopes (outer/block/dense/kernel:0)', () => {
    class Outer extends Layer {
      static override readonly className: string = 'Outer';
      block = new Block();
      head = new Linear({ units: 1 });
      override call(x: Tensor | Tensor[], ctx: CallContext): Tensor {
        return this.head.apply(this.block.apply(x, ctx), ctx);
      }
    }
    const outer = new Outer({ name: 'outer' });
    const y = outer.apply(ops.ones([1, 2]));
    expect(y.shape).toEqual([1, 1]);
    expect(paths(outer)).toEqual(['outer/block/dense/kernel', 'outer/block/dense/bias', 'outer/dense/kernel', 'outer/dense/bias']);
  });

  it('arrays: items, items pushed into an empty array later, nested arrays, in property order', () => {
    class Stack extends Layer {
      static override readonly className: string = 'Stack';
      blocks: Linear[] = [];
      grid: Linear[][] = [[new Linear({ units: 2, name: 'g0' })], []];
      constructor() {
        super({ name: 'stack' });
        for (let i = 0; i < 2; i++) this.blocks.push(new Linear({ units: 4 }));
        this.grid[1]!.push(new Linear({ units: 2, name: 'g1' }));
      }
      override call(x: Tensor | Tensor[], ctx: CallContext): Tensor {
        return this.blocks.reduce((h, b) => b.apply(h, ctx), x as Tensor);
      }
    }
    const s = new Stack();
    expect(s.layers.map((l) => l.name)).toEqual(['dense', 'dense_1', 'g0', 'g1']);
    expect(s.layers.map((l) => l.scopeName)).toEqual(['stack/dense', 'stack/dense_1', 'stack/g0', 'stack/g1']);
    s.apply(ops.ones([1, 3]));
    expect(s.blocks.map((b) => b.kernel.shape)).toEqual([[3, 4], [4, 4]]);
    expect(Array.isArray(s.blocks)).toBe(true);
    // The property holds the very array assigned (nothing is wrapped).
    const list: Linear[] = [];
    const t = new Stack();
    t.blocks = list;
    expect(t.blocks).toBe(list);
  });

  it('plain objects (dicts): values, keys added later, objects nested in arrays and objects', () => {
    class Heads extends Layer {
      static override readonly className: string = 'Heads';
      heads: Record<string, Linear> = { a: new Linear({ units: 1, name: 'a' }) };
      nested = { deep: { list: [new Linear({ units: 1, name: 'deep' })] } };
      override call(x: Tensor | Tensor[]): Tensor {
        return x as Tensor;
      }
    }
    const h = new Heads({ name: 'heads' });
    h.heads.b = new Linear({ units: 1, name: 'b' });
    h.nested.deep.list.push(new Linear({ units: 1, name: 'deeper' }));
    expect(h.layers.map((l) => l.scopeName)).toEqual(['heads/a', 'heads/b', 'heads/deep', 'heads/deeper']);
  });

  it('variables assigned to fields are weights; a free variable is adopted under the layer scope', () => {
    const free = new Variable({ name: 'scale', value: getBackend().variable(ops.tensor([2], [1]), true) });
    expect(free.path).toBe('scale');
    class Scaled extends Layer {
      static override readonly className: string = 'Scaled';
      scale = free;
      extra = { offsets: [new Variable({ name: 'offset', value: getBackend().variable(ops.tensor([1], [1]), true), trainable: false })] };
      override call(x: Tensor | Tensor[]): Tensor {
        return ops.add(ops.mul(x as Tensor, this.scale.value), this.extra.offsets[0]!.value);
      }
    }
    const s = new Scaled({ name: 'scaled' });
    expect(paths(s)).toEqual(['scaled/scale', 'scaled/offset']);
    expect(s.trainableVariables.map((v) => v.name)).toEqual(['scaled/scale:0']);
    expect(Array.from(ops.readSync(s.apply(ops.tensor([1, 2], [2, 1]))))).toEqual([3, 5]);
  });

  it('a variable owned elsewhere is shared: listed here too, keeping its first name', () => {
    const block = new Block({ name: 'first' });
    block.apply(ops.ones([1, 2]));
    class Tied extends Layer {
      static override readonly className: string = 'Tied';
      kernel = block.inner.kernel;
      override call(x: Tensor | Tensor[]): Tensor {
        return x as Tensor;
      }
    }
    const tied = new Tied({ name: 'tied' });
    expect(paths(tied)).toEqual(['first/dense/kernel']);
    expect(tied.variables[0]).toBe(block.inner.kernel);
  });

  it('this.untracked(...) marks a reference the layer holds without owning it; containers stay the same object', () => {
    const shared = new Linear({ units: 1, name: 'shared' });
    const shape = [3, 4];
    class Ref extends Layer {
      static override readonly className: string = 'Ref';
      link = this.untracked(shared);
      links = this.untracked({ to: shared });
      shape = shape;
      override call(x: Tensor | Tensor[]): Tensor {
        return x as Tensor;
      }
    }
    const r = new Ref({ name: 'ref' });
    expect(r.layers).toEqual([]);
    expect(r.link).toBe(shared);
    expect(r.links.to).toBe(shared);
    expect(shared.parent).toBeNull();
    expect(r.shape).toBe(shape);
    expect(r.weights).toEqual([]);
    // The mark is this layer's: another layer holding the same layer owns it.
    class Owner extends Layer {
      static override readonly className: string = 'Owner';
      mine = shared;
      override call(x: Tensor | Tensor[]): Tensor {
        return x as Tensor;
      }
    }
    const o = new Owner({ name: 'owner' });
    expect(o.layers).toEqual([shared]);
    expect(shared.scopeName).toBe('owner/shared');
  });

  it('a clash or a cycle throws when the layer lists its layers or weights, or is applied, naming the property', () => {
    class Two extends Layer {
      static override readonly className: string = 'Two';
      a = new Linear({ units: 1, name: 'fc' });
      b?: Linear;
      self?: Layer;
      override call(x: Tensor | Tensor[]): Tensor {
        return x as Tensor;
      }
    }
    const t = new Two({ name: 'two' });
    t.b = new Linear({ units: 1, name: 'fc' });
    expect(() => t.layers).toThrow(DuplicateNameError);
    expect(() => t.weights).toThrow("Cannot track layer 'fc' (Dense) in 'two' (held in its property b): the name is already used by 'two/fc' (Dense).");
    t.b = undefined;
    t.self = t;
    expect(() => t.apply(ops.ones([1, 1]))).toThrow(TrackingCycleError);
    expect(() => t.layers).toThrow("Cannot track Two 'two' in 'two' (held in its property self): it is the layer itself");
    t.self = undefined;
    expect(t.layers.map((l) => l.name)).toEqual(['fc']);
  });
});

describe('training mode has one source of truth (call context)', () => {
  /** A user sub-layer that calls its dropout without passing the context on. */
  class Noisy extends Layer {
    static override readonly className: string = 'Noisy';
    drop = new Dropout({ rate: 0.5 });
    override call(x: Tensor | Tensor[]): Tensor {
      return this.drop.apply(x as Tensor);
    }
  }
  class Model extends Layer {
    static override readonly className: string = 'Model';
    noisy = new Noisy();
    override call(x: Tensor | Tensor[]): Tensor {
      return this.noisy.apply(x as Tensor);
    }
  }
  const dropped = (y: Tensor): number => Array.from(ops.readSync(y)).filter((v) => v === 0).length;

  it('a nested apply without a context inherits the outer training context: dropout is active', () => {
    const m = new Model({ name: 'm' });
    const y = m.apply(ops.ones([1, 400]), trainingContext(new Rng(7)));
    const values = new Set(Array.from(ops.readSync(y)));
    expect(values).toEqual(new Set([0, 2]));
    const n = dropped(y);
    expect(n).toBeGreaterThan(140);
    expect(n).toBeLessThan(260);
  });

  it('outside any call, or with an inference context, dropout is the identity', () => {
    const m = new Model({ name: 'm' });
    expect(dropped(m.apply(ops.ones([1, 400])))).toBe(0);
    expect(dropped(m.apply(ops.ones([1, 400]), INFERENCE))).toBe(0);
  });

  it('an explicit context in a nested call wins for that subtree (Keras: training= passed explicitly)', () => {
    class Frozen extends Layer {
      static override readonly className: string = 'Frozen';
      noisy = new Noisy();
      override call(x: Tensor | Tensor[]): Tensor {
        return this.noisy.apply(x as Tensor, INFERENCE);
      }
    }
    const f = new Frozen({ name: 'f' });
    expect(dropped(f.apply(ops.ones([1, 400]), trainingContext(new Rng(7))))).toBe(0);
  });

  it('updates a nested layer adds go to the outer training context (batch-norm statistics under a step)', () => {
    const updates: [Variable, Tensor][] = [];
    class Stat extends Layer {
      static override readonly className: string = 'Stat';
      count!: Variable;
      override build(shape: readonly (number | null)[]): void {
        this.count = this.addWeight('count', { shape: [1], initializer: 'zeros', trainable: false });
        super.build(shape);
      }
      override call(x: Tensor | Tensor[]): Tensor {
        this.addUpdate({ variable: this.count, value: ops.add(this.count.value, 1) });
        return x as Tensor;
      }
    }
    class Wrap extends Layer {
      static override readonly className: string = 'Wrap';
      stat = new Stat();
      override call(x: Tensor | Tensor[]): Tensor {
        return this.stat.apply(x as Tensor);
      }
    }
    const w = new Wrap({ name: 'w' });
    w.apply(ops.ones([1, 2]), trainingContext(new Rng(1), updates));
    expect(updates.map(([v]) => v.path)).toEqual(['w/stat/count']);
    expect(Array.from(w.stat.count.readSync())).toEqual([0]);
  });
});
