/**
 * `n` float32 samples uniform in `[min, max)`, a pure function of `seed`
 * (SplitMix32-style integer hash of `seed` and the element index, so any
 * element can be computed independently). Used for eager `randomUniform`
 * (weight initialisation) on the onnxruntime backend.
 */
export function uniformSamples(n: number, min: number, max: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  const s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    let z = (s + Math.imul(i + 1, 0x9e3779b9)) >>> 0;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    const u = (z >>> 8) / 16777216; // 24 bits: exactly representable in float32, in [0, 1)
    out[i] = min + (max - min) * u;
  }
  return out;
}
