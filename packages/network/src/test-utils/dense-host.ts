/** `x · w + b` on the host, the reference of a Linear layer: x [n, k], w [k, m] row-major, b [m]. */
export function denseHost(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>, n: number, k: number, m: number): number[] {
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = b[j]!;
      for (let t = 0; t < k; t++) s += x[i * k + t]! * w[t * m + j]!;
      y.push(s);
    }
  }
  return y;
}
