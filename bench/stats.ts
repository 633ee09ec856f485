/** Percentiles and spreads for the benchmark: nearest-rank percentiles, min/median/max over repetitions. */

export interface Percentiles {
  /** Sample size. */
  n: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of an ascending array (p in 0..100); NaN for an empty one. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((acc, v) => acc + v, 0);
  return {
    n: sorted.length,
    min: sorted[0] ?? Number.NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    mean: sorted.length === 0 ? Number.NaN : sum / sorted.length,
  };
}

/** How one figure varied over the repetitions of a scenario. */
export interface Spread {
  min: number;
  median: number;
  max: number;
  /** The figure of each repetition, in order. */
  reps: number[];
}

export function spread(values: readonly number[]): Spread {
  const finite = values.filter((v) => Number.isFinite(v));
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length === 0
      ? Number.NaN
      : sorted.length % 2 === 1
        ? (sorted[mid] as number)
        : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return {
    min: sorted[0] ?? Number.NaN,
    median,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    reps: values.map((v) => round(v)),
  };
}

/** Rounds for reports: 1 decimal for ordinary figures, 3 significant digits for small ones. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  if (Math.abs(value) >= 10) return Math.round(value * 10) / 10;
  return Number(value.toPrecision(3));
}

export function roundPercentiles(p: Percentiles): Percentiles {
  return {
    n: p.n,
    min: round(p.min),
    p50: round(p.p50),
    p95: round(p.p95),
    p99: round(p.p99),
    max: round(p.max),
    mean: round(p.mean),
  };
}
