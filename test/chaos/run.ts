/**
 * One chaos run, start to verdict: plan from the seed, carry out the steps, stop the faults and probe every key,
 * wait for the keys to settle, then check Temporal's histories. Shared by `npm run chaos` and the integration test.
 */
import { randomUUID } from 'node:crypto';
import { coordinatorWorkflowId } from '../../src/client';
import { check, type CheckReport } from './checker';
import { killWorker, ensureWorker, type ChaosEnvironment, type RunState } from './context';
import { describeStep, generatePlan } from './generator';
import type { Ledger } from './ledger';
import { buildPolicy } from './policies';
import { failureLine, summaryOf } from './report';
import { executeSteps } from './runner';
import { sendProbes, waitUntilSettled } from './settle';
import type { ChaosOptions, ChaosPlan, PolicySpec } from './types';

export interface ChaosResult {
  plan: ChaosPlan;
  ledger: Ledger;
  report: CheckReport;
  summary: string;
  /** The failing seed's line with its replay command; undefined if every check passed. */
  failure?: string;
}

export async function runChaos(env: ChaosEnvironment, options: ChaosOptions): Promise<ChaosResult> {
  const plan = generatePlan(options);
  // Names are unique per run, not per seed: a replay on the same server must not meet the first run's workflows.
  const tag = randomUUID().slice(0, 6);
  const taskQueue = `chaos-${options.seed}-${tag}`;
  const policyNames = plan.policies.map((_, i) => `chaos${options.seed}-${tag}-p${i}`);
  const ledger: Ledger = {
    tag,
    taskQueue,
    policyNames,
    coordinatorIds: plan.keys.map((key) => coordinatorWorkflowId(policyNames[key.policy] as string, key.name)),
    strategies: plan.keys.map((key) => [
      ...new Set([
        (plan.policies[key.policy] as PolicySpec).limitStrategy,
        ...plan.steps.flatMap((step) =>
          step.kind === 'configChange' && step.policy === key.policy ? [step.limitStrategy] : [],
        ),
      ]),
    ]),
    sent: [],
    bystanders: [],
    actions: [],
    deleted: [],
    nonCanonical: [],
    revived: [],
    workerDowntime: [],
  };
  const run: RunState = {
    env,
    plan,
    ledger,
    specs: plan.policies.map((spec) => ({ ...spec })),
    policies: plan.policies.map((spec, i) => buildPolicy(policyNames[i] as string, taskQueue, spec)),
  };
  if (env.verbose) {
    env.log(`chaos seed ${options.seed}: task queue ${taskQueue}`);
    for (const step of plan.steps) env.log(`  plan ${describeStep(step, plan)}`);
  }
  try {
    await ensureWorker(run);
    const started = Date.now();
    await executeSteps(run);
    env.log(
      `chaos seed ${options.seed}: ${plan.steps.length} steps in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    await sendProbes(run);
    await waitUntilSettled(run);
    env.log(`chaos seed ${options.seed}: settle ${JSON.stringify(ledger.settle)}`);
    // The worker stays up while checking: the open coordinator runs answer the state query (check 2's records).
    const report = await check(env.client, ledger);
    await releaseBystanders(run);
    const failure = failureLine(options, report);
    return { plan, ledger, report, summary: summaryOf(plan, ledger, report), ...(failure && { failure }) };
  } finally {
    await killWorker(run);
  }
}

/** Lets the bystanders end now that the checker has read them, instead of lingering until their maxMs. */
async function releaseBystanders(run: RunState): Promise<void> {
  await Promise.all(
    run.ledger.bystanders.map(
      (bystander) =>
        run.env.client.workflow
          .getHandle(bystander.workflowId, bystander.runId)
          .signal('release')
          .catch(() => undefined), // already closed: nothing to release
    ),
  );
}
