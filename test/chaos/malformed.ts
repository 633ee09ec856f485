/**
 * Hostile `submit` payloads. Some have no usable id (the checker only asks that they are rejected somewhere), among
 * them payloads that do not decode at all; the rest carry a usable id, so the checker holds them to "exactly one
 * outcome" like any other submission.
 */
import { RawValue } from '@temporalio/common';
import type { MalformedVariant } from './types';

const HUGE = 1500;
const HUGE_ARGS_BYTES = 300 * 1024;

export interface MalformedContext {
  id: string;
  chaosKey: string;
  coordinatorId: string;
  /** Another key's coordinator ID (the own one when the run has a single key). */
  otherCoordinatorId: string;
}

const ascii = (text: string) => Uint8Array.from(text, (char) => char.charCodeAt(0));
/** A payload sent as is: the client's converter passes a raw value through without encoding it. */
const rawPayload = (encoding: string, data: string) =>
  RawValue.fromPayload({ metadata: { encoding: ascii(encoding) }, data: ascii(data) });

/** Whether a payload carries an id the checker can follow: a non-empty string. */
export function hasUsableId(payload: unknown): payload is { id: string } {
  if (typeof payload !== 'object' || payload === null) return false;
  const id = (payload as { id?: unknown }).id;
  return typeof id === 'string' && id.length > 0;
}

export function malformedPayload(variant: MalformedVariant, context: MalformedContext): unknown {
  const { id, chaosKey } = context;
  const args = [{ durationMs: 300, chaosKey }];
  switch (variant) {
    case 'missingId':
      return { workflowType: 'demoWork', args };
    case 'numbers':
      return { id: 4000 + Number(id.slice(1)), workflowType: 7, args, taskQueue: 9 };
    case 'notObject':
      return `submit ${id} please`;
    case 'argsNotArray':
      return { id, workflowType: 'demoWork', args: args[0] };
    case 'hugeWorkflowId':
      return { id, workflowType: 'demoWork', args, workflowId: `w${'x'.repeat(HUGE)}` };
    case 'hugeWorkflowType':
      return { id, workflowType: `T${'y'.repeat(HUGE)}`, args };
    case 'hugeTaskQueue':
      return { id, workflowType: 'demoWork', args, taskQueue: `q${'z'.repeat(HUGE)}` };
    case 'systemTaskQueue':
      return { id, workflowType: 'demoWork', args, taskQueue: '/_sys/x' };
    case 'ownCoordinatorId':
      return { id, workflowType: 'demoWork', args, workflowId: context.coordinatorId };
    case 'otherCoordinatorId':
      return { id, workflowType: 'demoWork', args, workflowId: context.otherCoordinatorId };
    case 'hugeArgs':
      return { id, workflowType: 'demoWork', args: [{ ...args[0], label: 'p'.repeat(HUGE_ARGS_BYTES) }] };
    case 'notJson':
      return rawPayload('json/plain', `{not json ${id}`);
    case 'unknownEncoding':
      return rawPayload('binary/x-probe', id);
  }
}
