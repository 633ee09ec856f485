/**
 * Issue 15 item 10: when a child waits for a worker (its first workflow task never picked up), and why — the
 * judgement `getSubmissionStatus` makes at once and the sweep makes every interval.
 */
import { describe, expect, it } from 'vitest';
import {
  awaitingWorkerReason,
  mayAwaitWorker,
  WAITING_AFTER_MS,
  type FirstTaskFacts,
} from '../../src/coordinator/core/child-waiting';

const startTimeMs = Date.parse('2025-01-01T00:00:00Z');
const unpicked: FirstTaskFacts = {
  workflowType: 'demoWork',
  taskQueue: 'nobody-here',
  startTimeMs,
  historyLength: 2,
  pendingTask: 'scheduled',
};

describe('mayAwaitWorker', () => {
  it('is true once the first workflow task has waited WAITING_AFTER_MS unpicked', () => {
    expect(mayAwaitWorker(unpicked, startTimeMs + WAITING_AFTER_MS)).toBe(true);
  });

  it('gives a fresh child the moment a worker needs to pick it up', () => {
    expect(mayAwaitWorker(unpicked, startTimeMs + WAITING_AFTER_MS - 1)).toBe(false);
  });

  it('is false once a worker has its task, or once the child has done any work', () => {
    const later = startTimeMs + 60_000;
    expect(mayAwaitWorker({ ...unpicked, pendingTask: 'started' }, later)).toBe(false);
    expect(mayAwaitWorker({ ...unpicked, historyLength: 5 }, later)).toBe(false);
    const { pendingTask: _none, ...noTask } = unpicked;
    expect(mayAwaitWorker(noTask, later)).toBe(false);
  });
});

describe('awaitingWorkerReason', () => {
  it('names the task queue and the workflow type when nothing polls it', () => {
    expect(awaitingWorkerReason(unpicked, 0)).toBe('no worker polls task queue nobody-here (workflow type demoWork)');
  });

  it('says a worker polls but has not picked the task up, when one is listed', () => {
    expect(awaitingWorkerReason(unpicked, 1)).toBe(
      'no worker on task queue nobody-here has picked up its first workflow task yet',
    );
  });
});
