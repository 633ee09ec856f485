/**
 * What a run may believe of its start input (run behaviour 3): its workflow ID must be the key's canonical one, an
 * invalid input is repaired from a valid submission or refused with every submission rejected, and only a
 * continue-as-new (never a client, a retry or a cron run) hands a run its carried state.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coordinatorWorkflowId } from '../../src/coordinator/core/coordinator-id';
import { sha256Hex } from '../../src/coordinator/core/sha256';
import {
  INVALID_INPUT_FAILURE,
  NON_CANONICAL_ID_FAILURE,
  continuedAsNew,
  refusedState,
  runStartConfig,
} from '../../src/coordinator/core/start-input';
import { at } from './support';

const input = { policy: 'p', key: "it's", maxRuns: 1, limitStrategy: 'CANCEL_IN_PROGRESS' };
const canonical = "concurrency/p/it's";
const submission = (id: string, config?: Record<string, unknown>) => ({
  id,
  workflowType: 'demoWork',
  ...(config && { config }),
});

describe('sha256Hex', () => {
  it('agrees with node:crypto on any well-formed string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (text) => {
        expect(sha256Hex(text)).toBe(createHash('sha256').update(text).digest('hex'));
      }),
      { numRuns: 300 },
    );
  });
  it('agrees at the padding boundaries', () => {
    for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000]) {
      const text = 'a'.repeat(length);
      expect(sha256Hex(text)).toBe(createHash('sha256').update(text).digest('hex'));
    }
  });
});

describe('runStartConfig', () => {
  it('accepts a valid input under its canonical ID', () => {
    const start = runStartConfig(input, [], canonical);
    expect(start.ok && start.config.maxRuns).toBe(1);
  });

  it("refuses a non-canonical ID (Python's quote() writes ' as %27), naming the canonical one", () => {
    const start = runStartConfig(input, [submission('p-1')], 'concurrency/p/it%27s');
    expect(start).toMatchObject({ ok: false, failureType: NON_CANONICAL_ID_FAILURE, canonicalWorkflowId: canonical });
    expect(!start.ok && start.message).toContain(canonical);
  });

  it('refuses a hashed ID that is not the key’s hash, and accepts the right one', () => {
    const long = 'k'.repeat(300);
    const id = coordinatorWorkflowId('p', long);
    expect(id).toMatch(/^concurrency\/p\/~[0-9a-f]{32}$/);
    expect(runStartConfig({ ...input, key: long }, [], id).ok).toBe(true);
    expect(runStartConfig({ ...input, key: long }, [], `concurrency/p/~${'0'.repeat(32)}`).ok).toBe(false);
  });

  it('repairs an invalid input with the first submission carrying a valid configuration', () => {
    const start = runStartConfig(
      { ...input, maxRuns: 0 },
      [
        submission('cli'),
        submission('bad', { maxRuns: 0, limitStrategy: 'CANCEL_IN_PROGRESS' }),
        submission('g1', { maxRuns: 3, limitStrategy: 'CANCEL_IN_PROGRESS' }),
      ],
      canonical,
    );
    expect(start.ok && start.config.maxRuns).toBe(3);
    expect(start.ok && start.repairedBy).toMatchObject({ submissionId: 'g1', problem: { field: 'maxRuns' } });
  });

  it('refuses an invalid input no submission repairs, and a repaired one must still be canonical', () => {
    const alone = runStartConfig({ ...input, maxRuns: 0 }, [submission('cli'), 'junk'], canonical);
    expect(alone).toMatchObject({ ok: false, failureType: INVALID_INPUT_FAILURE, field: 'maxRuns' });
    const valid = { maxRuns: 1, limitStrategy: 'CANCEL_IN_PROGRESS' };
    const elsewhere = runStartConfig({ ...input, maxRuns: 0 }, [submission('g1', valid)], 'concurrency/p/x');
    expect(elsewhere).toMatchObject({ ok: false, failureType: NON_CANONICAL_ID_FAILURE });
    // Policy and key come from the input only: a submission cannot move a run to another key.
    expect(
      runStartConfig({ maxRuns: 1 }, [submission('g1', { ...valid, policy: 'p', key: "it's" })], canonical).ok,
    ).toBe(false);
  });
});

describe('refusedState', () => {
  it('rejects every submission with the reason, each id once, malformed ones under a placeholder', () => {
    const state = refusedState(input, 'concurrency/p/x', [submission('a'), submission('a'), 42], 'why', at(1));
    expect(state.recent.map((run) => [run.id, run.outcome, run.reason])).toEqual([
      ['a', 'rejected', 'why'],
      ['(invalid)', 'rejected', 'why'],
    ]);
    expect(state.counters.rejected).toBe(2);
  });
  it('answers for an input that is not even an object', () => {
    expect(refusedState(undefined, 'concurrency/p/x', [submission('a')], 'why', at(1)).recent).toHaveLength(1);
  });
});

describe('continuedAsNew', () => {
  it('is true only for a continue-as-new: not a client start, a retry or a cron run', () => {
    expect(continuedAsNew({ continuedFromExecutionRunId: 'r', attempt: 1 })).toBe(true);
    expect(continuedAsNew({ attempt: 1 })).toBe(false);
    expect(continuedAsNew({ continuedFromExecutionRunId: 'r', attempt: 2 })).toBe(false);
    expect(continuedAsNew({ continuedFromExecutionRunId: 'r', attempt: 1, cronSchedule: '* * * * *' })).toBe(false);
  });
});
