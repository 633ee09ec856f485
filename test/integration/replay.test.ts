/**
 * Replay safety: coordinators that run today replay whatever code the worker has after a deploy. Histories recorded
 * from real runs (`npm run record-histories`) must replay against the current code without a determinism
 * violation, and a deliberately altered one must fail with one, which proves the check bites.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { expect, inject, it } from 'vitest';

const DIR = path.join(__dirname, '..', 'histories');

const workflowIds = JSON.parse(fs.readFileSync(path.join(DIR, 'workflow-ids.json'), 'utf8')) as Record<string, string>;

function load(file: string): { workflowId: string; history: unknown } {
  const workflowId = workflowIds[file];
  if (!workflowId) throw new Error(`no workflow ID recorded for ${file} in workflow-ids.json`);
  return { workflowId, history: JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) };
}

const recorded = Object.keys(workflowIds).filter((file) => !file.startsWith('altered-'));

it('has recorded histories of every scenario the recorder knows', () => {
  expect(recorded.filter((f) => f.startsWith('rollover-')).length).toBeGreaterThan(1);
  for (const scenario of ['burst', 'sweep', 'takeover', 'cancel', 'cancel-resume', 'config', 'resubmit']) {
    expect(recorded, scenario).toContain(`${scenario}-1.json`);
  }
  // Time in the queue (debounce, schedule timeout, priorities, a strategy switch) exists from run behaviour 6 on.
  expect(recorded).toContain('run-behaviour-6/queue-1.json');
});

it.each(recorded)('replays %s against the current library code', async (file) => {
  const { history, workflowId } = load(file);
  await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, workflowId);
});

it('fails an altered history with DeterminismViolationError', async () => {
  const { history, workflowId } = load('altered-burst.json');
  await expect(
    Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, workflowId),
  ).rejects.toBeInstanceOf(DeterminismViolationError);
});
