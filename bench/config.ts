/**
 * Benchmark configuration from flags (`--n=300` or `--n 300`) and environment variables (`BENCH_N=300`); flags
 * win. `--quick` is a smoke run of a few minutes (about 2½ on the 2-core machine under load).
 */
import type { WorkerOptions } from '@temporalio/worker';

export interface BenchConfig {
  quick: boolean;
  /** Submissions per repetition of the baseline, many-keys and hot-key scenarios. */
  n: number;
  reps: number;
  /** Keys of the many-keys scenario. */
  manyKeys: number;
  /** maxRuns of the many-keys and scaling scenarios (the hot key always uses 1). */
  maxRuns: number;
  /** Key counts of the scaling curve. */
  scalingKeys: number[];
  /** Submissions per repetition of the scaling curve. */
  scalingN: number;
  /** continueAsNewAfterEvents of the hot-key-rollover scenario. */
  rolloverEvents: number;
  /** Client calls in flight at once. */
  concurrency: number;
  /** Keys of the one-submission-per-key scenario (each gets exactly one submission). */
  onePerKey: number;
  /** Client calls in flight in the one-submission-per-key scenario (sparse traffic: few at once). */
  onePerKeyConcurrency: number;
  /** Sequential start-then-cancel samples per repetition of the raw-cancel floor. */
  rawCancelN: number;
  minDurationMs: number;
  maxDurationMs: number;
  /** Also run the many-keys and hot-key scenarios on a worker with tuned options. */
  tuning: boolean;
  tunedWorkerOptions: Partial<WorkerOptions>;
  settleTimeoutMs: number;
  outDir: string;
  /** Run only these scenario ids (for profiling); the report then has no headline comparison. */
  only?: string[];
}

/**
 * Worker options compared with the library's defaults (before/after in the results). Chosen by profiling (see
 * bench/results/exploration.json): on this 2-core machine the worker and the dev server share the CPU, so more
 * concurrent workflow tasks only queue longer inside the worker; fewer in flight lets each coordinator's task run
 * at once and lets signals batch on the server while they wait.
 */
export const TUNED_WORKER_OPTIONS: Partial<WorkerOptions> = {
  maxConcurrentWorkflowTaskExecutions: 4,
  maxConcurrentWorkflowTaskPolls: 2,
};

const HELP = `npm run bench [-- flags]

  --quick                 smoke run, a few minutes (small N, fewer keys)
  --n=300                 submissions per repetition (baseline, many keys, hot key)     BENCH_N
  --reps=3                repetitions of every scenario, interleaved                   BENCH_REPS
  --keys=100              keys of the many-keys scenario                               BENCH_KEYS
  --max-runs=2            maxRuns of the many-keys and scaling scenarios               BENCH_MAX_RUNS
  --scaling-keys=1,10,100,1000  key counts of the scaling curve                        BENCH_SCALING_KEYS
  --scaling-n=300         submissions per repetition of the scaling curve (default N)  BENCH_SCALING_N
  --rollover-events=200   continueAsNewAfterEvents of the hot-key-rollover scenario      BENCH_ROLLOVER_EVENTS
  --concurrency=32        client calls in flight                                       BENCH_CONCURRENCY
  --one-per-key=50        keys of the one-submission-per-key scenario                  BENCH_ONE_PER_KEY
  --one-per-key-concurrency=4  calls in flight in that scenario                        BENCH_ONE_PER_KEY_CONCURRENCY
  --raw-cancel-n=100      start-then-cancel samples of the raw-cancel floor            BENCH_RAW_CANCEL_N
  --duration=50-200       demoWork durationMs range                                    BENCH_DURATION
  --no-tuning             skip the tuned-worker repetitions                            BENCH_TUNING=0
  --tuned='{"maxConcurrentWorkflowTaskExecutions":4,"maxConcurrentWorkflowTaskPolls":2}'
                          tuned worker options (JSON)                                  BENCH_TUNED
  --out=bench/results     output directory                                             BENCH_OUT
  --only=many-keys,hot-key  run only these scenarios (profiling; no headline)          BENCH_ONLY
  --redraw=bench/results/<date>.json   draw the chart again from a saved run, nothing else
`;

function flagValue(argv: string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === `--${name}`) return argv[i + 1];
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return undefined;
}

function integer(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}, got ${raw}`);
  return value;
}

export function parseConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): BenchConfig | 'help' {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  const get = (flag: string, variable: string) => flagValue(argv, flag) ?? env[variable];
  const quick = argv.includes('--quick') || env.BENCH_QUICK === '1';
  const n = integer('n', get('n', 'BENCH_N'), quick ? 40 : 300);
  const scalingKeys = (get('scaling-keys', 'BENCH_SCALING_KEYS') ?? (quick ? '1,10,40' : '1,10,100,1000'))
    .split(',')
    .map((k) => integer('scaling-keys', k.trim(), 1));
  const duration = (get('duration', 'BENCH_DURATION') ?? '50-200').split('-');
  const minDurationMs = integer('duration', duration[0], 50, 0);
  const maxDurationMs = integer('duration', duration[1] ?? duration[0], 200, minDurationMs);
  const tunedRaw = get('tuned', 'BENCH_TUNED');
  return {
    quick,
    n,
    reps: integer('reps', get('reps', 'BENCH_REPS'), 3),
    manyKeys: integer('keys', get('keys', 'BENCH_KEYS'), quick ? 10 : 100),
    maxRuns: integer('max-runs', get('max-runs', 'BENCH_MAX_RUNS'), 2),
    scalingKeys,
    // At the default N=300, K=1000 puts every submission on its own key (300 keys used); --scaling-n=1000 runs the
    // real point, about 95 s a repetition on 2 cores.
    scalingN: integer('scaling-n', get('scaling-n', 'BENCH_SCALING_N'), n),
    rolloverEvents: integer('rollover-events', get('rollover-events', 'BENCH_ROLLOVER_EVENTS'), quick ? 60 : 200),
    concurrency: integer('concurrency', get('concurrency', 'BENCH_CONCURRENCY'), 32),
    onePerKey: integer('one-per-key', get('one-per-key', 'BENCH_ONE_PER_KEY'), quick ? 12 : 50),
    onePerKeyConcurrency: integer(
      'one-per-key-concurrency',
      get('one-per-key-concurrency', 'BENCH_ONE_PER_KEY_CONCURRENCY'),
      4,
    ),
    rawCancelN: integer('raw-cancel-n', get('raw-cancel-n', 'BENCH_RAW_CANCEL_N'), quick ? 20 : 100),
    minDurationMs,
    maxDurationMs,
    tuning: !(argv.includes('--no-tuning') || env.BENCH_TUNING === '0'),
    tunedWorkerOptions: tunedRaw ? (JSON.parse(tunedRaw) as Partial<WorkerOptions>) : TUNED_WORKER_OPTIONS,
    settleTimeoutMs: 180_000,
    outDir: get('out', 'BENCH_OUT') ?? 'bench/results',
    ...(get('only', 'BENCH_ONLY') && { only: (get('only', 'BENCH_ONLY') as string).split(',') }),
  };
}

export const HELP_TEXT = HELP;
