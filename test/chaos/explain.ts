/**
 * How a violation is explained: which coordinator run started a child, where the signals landed, what happened to
 * the coordinator in between. A chaos failure must be diagnosable from its message alone.
 */
import type { Chain } from './chains';
import type { CoordinatorFacts } from './coordinators';
import { hasUsableId } from './malformed';

function time(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

/** A coordinator run as "<first 8 of its run ID> (<how it closed>)", to tell the runs apart in a message. */
function describeRun(runId: string | undefined, facts: CoordinatorFacts): string {
  const run = facts.runs.find((r) => r.runId === runId);
  return `run ${runId?.slice(0, 8) ?? '?'} (${run?.closeType ?? (run ? 'open' : 'unknown')})`;
}

export function describeChain(chain: Chain, facts: CoordinatorFacts): string {
  const closed = chain.closeType ? `, ${chain.closeType}` : ', open';
  return `${chain.workflowId} started ${time(chain.startMs)} by coordinator ${describeRun(chain.parentRunId, facts)}${closed}`;
}

/** Where the signals with this id landed: which coordinator run, when. */
export function signalsOf(id: string, facts: CoordinatorFacts): string {
  const landed = facts.signals.filter((s) => hasUsableId(s.payload) && s.payload.id === id);
  if (landed.length === 0) return 'no run of the coordinator received it';
  return `submitted ${landed.map((s) => `${time(s.atMs)} to ${describeRun(s.runId, facts)}`).join(', ')}`;
}

/** The coordinator's runs open at any time in [fromMs, toMs], with how each ended and its task failures. */
export function runsDuring(facts: CoordinatorFacts, fromMs: number, toMs = Infinity): string {
  const runs = facts.runs.filter((r) => (r.closeMs ?? Infinity) >= fromMs && r.startMs <= toMs);
  const spans = runs.map((r) => {
    const failures = r.events.filter((e) => e.workflowTaskFailedEventAttributes).length;
    const end = r.closeMs ? time(r.closeMs) : '';
    return `${r.runId.slice(0, 8)} ${time(r.startMs)}–${end} ${r.closeType ?? 'open'}${failures ? ` (${failures} task failures)` : ''}`;
  });
  return `coordinator runs: ${spans.join(', ')}`;
}

/** The coordinator's runs from the first chain's start to the last one's: how its memory of the id got lost. */
export function runsBetween(ran: Chain[], facts: CoordinatorFacts): string {
  return runsDuring(facts, Math.min(...ran.map((c) => c.startMs)), Math.max(...ran.map((c) => c.startMs)));
}

/** When the first signal with this id arrived, if one did. */
export function firstSignalMs(id: string, facts: CoordinatorFacts): number | undefined {
  return facts.signals.find((s) => hasUsableId(s.payload) && s.payload.id === id)?.atMs;
}
