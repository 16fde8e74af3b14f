import { ops, setBackend, type Tensor } from '@strata/backend';
import { registerTfjsBackends } from '@strata/backend-tfjs';
import { type CallContext, DuplicateNameError, Linear } from '@strata/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Network } from './network.js';
import { InvalidNetworkNameError, NetworkNameNotFinalError } from './network-errors.js';
import { denseHost } from './test-utils/dense-host.js';
import { TopLevelScope } from './top-level-scope.js';

beforeAll(async () => {
  registerTfjsBackends();
  await setBackend('tfjs-cpu');
});

class MyNetwork extends Network {
  dense = new Linear({ units: 2 });
  override call(inputs: Tensor | Tensor[], ctx: CallContext): Tensor {
    return this.dense.apply(inputs, ctx);
  }
}

class Inner extends Network {
  dense = new Linear({ units: 3 });
  override call(inputs: Tensor | Tensor[], ctx: CallContext): Tensor {
    return this.dense.apply(inputs, ctx);
  }
}

class Outer extends Network {
  inner = new Inner({ name: 'inner' });
  head = this.trackLayer(new Linear({ units: 1 }));
  override call(inputs: Tensor | Tensor[], ctx: CallContext): Tensor {
    return this.head.apply(this.inner.apply(inputs, ctx), ctx);
  }
}

const x = () => ops.tensor([1, -2, 0.5, 3], [2, 2]);

describe('Network naming (seeds 000–002 `__init__(name)`)', () => {
  it('nested networks: outer/inner/dense/kernel:0, and the output is head(inner(x))', () => {
    const outer = new Outer({ name: 'outer' });
    const y = outer.apply(x());
    expect(outer.variables.map((v) => v.name)).toEqual([
      'outer/inner/dense/kernel:0',
      'outer/inner/dense/bias:0',
      'outer/dense/kernel:0',
      'outer/dense/bias:0',
    ]);
    expect(outer.inner.variables.map((v) => v.name)).toEqual(['outer/inner/dense/kernel:0', 'outer/inner/dense/bias:0']);
    const [k1, b1, k2, b2] = outer.getWeights();
    const expected = denseHost(denseHost(ops.readSync(x()), k1!, b1!, 2, 2, 3), k2!, b2!, 2, 3, 1);
    const got = Array.from(ops.readSync(y));
    expected.forEach((e, i) => expect(got[i]).toBeCloseTo(e, 5));
  });

  it('default name: the class name in snake_case (MyNetwork -> my_network), made unique per parent', () => {
    expect(new MyNetwork().name).toBe('my_network');
    class Pair extends Network {
      a = new MyNetwork();
      b = new MyNetwork();
    }
    const p = new Pair({ name: 'pair' });
    const q = new Pair({ name: 'other' });
    // Held members are tracked (named) when the holder lists its layers or weights, or is called.
    expect([p.a.name, p.b.name]).toEqual(['my_network', 'my_network']);
    expect(p.layers.map((l) => l.name)).toEqual(['my_network', 'my_network_1']);
    expect(q.layers).toEqual([q.a, q.b]);
    expect([p.a.name, p.b.name]).toEqual(['my_network', 'my_network_1']);
    // Counters belong to the parent: another parent starts again at my_network.
    expect([q.a.name, q.b.name]).toEqual(['my_network', 'my_network_1']);
    p.b.apply(x());
    expect(p.b.variables.map((v) => v.name)).toEqual(['pair/my_network_1/dense/kernel:0', 'pair/my_network_1/dense/bias:0']);
  });

  it("a subclass's own static className names it (stable under minification)", () => {
    class Mangled extends Network {
      static override readonly className: string = 'EncoderBlock';
    }
    expect(new Mangled().name).toBe('encoder_block');
    expect(new Network().name).toBe('network');
  });

  it('top-level networks of one TopLevelScope: my_network, then my_network_1, in the order they are first called', () => {
    const scope = new TopLevelScope();
    const first = new MyNetwork({ topLevel: scope });
    const second = new MyNetwork({ topLevel: scope });
    second.apply(x());
    first.apply(x());
    expect(second.name).toBe('my_network');
    expect(first.name).toBe('my_network_1');
    expect(first.variables.map((v) => v.name)).toEqual(['my_network_1/dense/kernel:0', 'my_network_1/dense/bias:0']);
    expect(scope.claimed).toEqual(['my_network', 'my_network_1']);
    expect(scope.owner('my_network_1')).toBe(first);
    // build() counts as the first call too.
    const third = new MyNetwork({ topLevel: scope });
    third.build([null, 2]);
    expect(third.name).toBe('my_network_2');
  });

  it('the name of an anonymous scoped network is not final before its first call: NetworkNameNotFinalError', () => {
    const scope = new TopLevelScope();
    const net = new MyNetwork({ topLevel: scope });
    expect(() => net.name).toThrow(NetworkNameNotFinalError);
    expect(() => net.name).toThrow(/first tracked by another Network or first called\/built at top level/);
    net.apply(x());
    expect(net.name).toBe('my_network');
  });

  it('scopes are independent, and without a scope nothing is shared: no process-global counter', () => {
    const a = new MyNetwork({ topLevel: new TopLevelScope() });
    const b = new MyNetwork({ topLevel: new TopLevelScope() });
    const c = new MyNetwork();
    const d = new MyNetwork();
    for (const n of [a, b, c, d]) n.apply(x());
    expect([a, b, c, d].map((n) => n.name)).toEqual(['my_network', 'my_network', 'my_network', 'my_network']);
  });

  it('an explicit top-level name taken in the scope is a DuplicateNameError at the first call, naming both networks', () => {
    const scope = new TopLevelScope();
    const anonymous = new MyNetwork({ topLevel: scope });
    anonymous.apply(x());
    const named = new Inner({ name: 'my_network', topLevel: scope });
    expect(named.name).toBe('my_network');
    expect(() => named.apply(x())).toThrow(DuplicateNameError);
    expect(() => named.apply(x())).toThrow(/A top-level Network named 'my_network' already exists in this TopLevelScope \(MyNetwork\); Inner cannot/);
    expect(named.built).toBe(false);
    // An anonymous one skips the explicit name.
    const explicit = new Inner({ name: 'my_network_1', topLevel: scope });
    explicit.apply(x());
    const later = new MyNetwork({ topLevel: scope });
    later.apply(x());
    expect(later.name).toBe('my_network_2');
  });

  it("a network tracked before its first call takes the parent's scope, not the TopLevelScope", () => {
    const scope = new TopLevelScope();
    const child = new MyNetwork({ topLevel: scope });
    const parent = new Network({ name: 'parent' });
    parent.trackLayer(child);
    child.apply(x());
    expect(child.name).toBe('my_network');
    expect(child.variables.map((v) => v.name)).toEqual(['parent/my_network/dense/kernel:0', 'parent/my_network/dense/bias:0']);
    expect(scope.claimed).toEqual([]);
  });

  it('a network first called at top level and tracked later is shared: its variables keep their top-level names', () => {
    const solo = new MyNetwork({ name: 'solo' });
    solo.apply(x());
    class Holder extends Network {
      own = new Linear({ units: 1 });
      reused?: MyNetwork;
    }
    const holder = new Holder({ name: 'holder' });
    holder.reused = solo;
    holder.own.apply(x());
    expect(solo.parent).toBeNull();
    expect(holder.layers).toEqual([holder.own, solo]);
    expect(holder.variables.map((v) => v.name)).toEqual([
      'holder/dense/kernel:0',
      'holder/dense/bias:0',
      'solo/dense/kernel:0',
      'solo/dense/bias:0',
    ]);
    expect(holder.getLayer({ name: 'solo' })).toBe(solo);
  });

  it("a layer shared between networks keeps its first owner's variable names in both", () => {
    const encoder = new Inner({ name: 'encoder' });
    class TaskA extends Network {
      enc = encoder;
    }
    class TaskB extends Network {
      enc = encoder;
    }
    const a = new TaskA({ name: 'task_a' });
    const b = new TaskB({ name: 'task_b' });
    expect([a.layers, b.layers]).toEqual([[encoder], [encoder]]); // task_a tracks it first: it owns it
    encoder.apply(x());
    expect(a.variables.map((v) => v.name)).toEqual(['task_a/encoder/dense/kernel:0', 'task_a/encoder/dense/bias:0']);
    expect(b.variables.map((v) => v.name)).toEqual(['task_a/encoder/dense/kernel:0', 'task_a/encoder/dense/bias:0']);
    expect(b.variables[0]).toBe(a.variables[0]);
  });

  it('invalid names: InvalidNetworkNameError at construction (seed: ValueError)', () => {
    expect(() => new Network({ name: 'outer/inner' })).toThrow(InvalidNetworkNameError);
    expect(() => new Network({ name: 'outer/inner' })).toThrow(/cannot be empty or contain '\/'/);
    expect(() => new Network({ name: '' })).toThrow(InvalidNetworkNameError);
    expect(() => new Network({ name: 3 as never })).toThrow(InvalidNetworkNameError);
  });

  it('an explicit name clashing inside a parent is a DuplicateNameError naming both (seed: ValueError when added)', () => {
    class Clash extends Network {
      a = new Inner({ name: 'block' });
      b?: Inner;
    }
    const net = new Clash({ name: 'net' });
    net.b = new Inner({ name: 'block' });
    expect(() => net.layers).toThrow(DuplicateNameError);
    expect(() => net.variables).toThrow(/Cannot track layer 'block' \(Network\) in 'net' \(held in its property b\): the name is already used by 'net\/block'/);
  });
});
