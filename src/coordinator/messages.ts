/**
 * The coordinator's signal and query definitions, made from the wire contract's names (`core/wire.ts`, described in
 * docs/wire-contract.md). Imported by both the workflow (to register handlers) and the client (to send them), so the
 * wire names exist once; the payload types are re-exported with them.
 *
 * @module
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import {
  REPORT_CLOSE_SIGNAL,
  RUN_CLOSED_SIGNAL,
  STATE_QUERY,
  SUBMIT_SIGNAL,
  SUBMIT_UPDATE,
  SUPERSEDED_SIGNAL,
  type CoordinatorStateView,
  type SubmitAck,
  type ReportClose,
  type RunClosed,
  type Submission,
  type Superseded,
} from './core/wire';

export * from './core/wire';

export const submitSignal = defineSignal<[Submission]>(SUBMIT_SIGNAL);
export const submitUpdate = defineUpdate<SubmitAck, [Submission | Submission[]]>(SUBMIT_UPDATE);
export const runClosedSignal = defineSignal<[RunClosed]>(RUN_CLOSED_SIGNAL);
export const stateQuery = defineQuery<CoordinatorStateView>(STATE_QUERY);
export const supersededSignal = defineSignal<[Superseded]>(SUPERSEDED_SIGNAL);
export const reportCloseSignal = defineSignal<[ReportClose]>(REPORT_CLOSE_SIGNAL);
