/**
 * The Wilson score interval for a proportion: `k` successes out of `n` trials at confidence `z`
 * (1.96 ≈ 95%). Unlike the normal approximation it stays inside [0, 1] and is sensible for k = 0
 * or k = n, which is the common case here (a migration that "never fails" on a workload).
 */
export function wilsonInterval(k: number, n: number, z = 1.959963984540054): [number, number] {
  if (n === 0) return [0, 1];
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  // The bounds are exact at the extremes; rounding would otherwise leave 1 - ε.
  return [k === 0 ? 0 : Math.max(0, centre - half), k === n ? 1 : Math.min(1, centre + half)];
}
