/**
 * The contract between the coordinator and the activities it runs (src/activities/): their inputs, results and
 * signatures, as plain types both sides import — the workflow shell to call them, the activities to implement them —
 * so neither reaches into the other.
 */
import type { TakenOver } from './take-over';
import type { CoordinatorConfig } from './validation';
import type { AdoptedChild, CloseOutcome, PinnedPolicy, Superseded } from './wire';

/** What a coordinator run learns before it starts deciding. */
export interface RunPreparation {
  /** The policy this worker pins, if any. */
  pinned?: PinnedPolicy;
  /** The state to continue with: a predecessor's open work, or the run a reset replaced. */
  takenOver?: TakenOver;
  /** Which run it came from and why, for the log and the run's notices. */
  takenFrom?: { runId: string; status: string };
  /**
   * Why the run's carried state is not believed (trustOnlyContinueAsNew): the run it continued from is not a coordinator run. The
   * run then starts fresh, and `takenOver` is what the key's history proves.
   */
  carriedDistrusted?: string;
}

/** What `checkCoordinatorRun` finds: the pinned policy, and whether `prepareCoordinatorRun` must run. */
export interface RunCheck extends Pick<RunPreparation, 'pinned' | 'carriedDistrusted'> {
  takeOver: boolean;
}

/** Input of `prepareCoordinatorRun`. */
export interface RunPreparationInput {
  config: CoordinatorConfig;
  workflowId: string;
  runId: string;
  originalExecutionRunId: string;
  chainStartTime: string;
  /** The run continues as new from a predecessor in its chain, whose state it was handed. */
  continued: boolean;
  /**
   * trustOnlyContinueAsNew: the run it continued from, checked to be a coordinator run before its carried state is believed
   * (another workflow type could continue as new into a coordinator with any state).
   */
  continuedFromRunId?: string;
  /** adoptUnaccountedChildren: also adopt running children whose memo names this coordinator but no history the run read does. */
  adoptOrphans?: boolean;
}

/** One open child as the coordinator knows it. */
export interface ChildToSweep {
  workflowId: string;
  submissionId: string;
  /** First run ID of the child's chain, once confirmed; absent while its ownership is being checked. */
  runId?: string;
  /** Its start found the ID in use: check the running workflow is the child started for this submission. */
  verify?: boolean;
}

/** What the sweep found about one child. */
export type SweptChild =
  /** `closedAtMs`: the server's close time, when it reported one. */
  | {
      workflowId: string;
      status: 'closed';
      outcome: CloseOutcome;
      reason?: string;
      runId?: string;
      closedAtMs?: number;
    }
  | { workflowId: string; status: 'running'; runId?: string }
  /** Its workflow task never got going; `stuck` ones are failing, `waiting` ones were never picked up. */
  | { workflowId: string; status: 'stuck' | 'waiting'; reason: string; sinceMs: number; runId?: string }
  /** Its start (issued by an earlier run, never confirmed) never took place: nothing holds its ID. */
  | { workflowId: string; status: 'neverStarted' }
  /** The workflow holding the ID was not started by this coordinator for this submission: never touch it. */
  | { workflowId: string; status: 'foreign'; reason: string }
  /** Running, named by its memo as this coordinator's child, but not among the coordinator's (reset after it closed). */
  | { workflowId: string; status: 'unaccounted'; child: AdoptedChild };

/** Input of `sweepChildren`. */
export interface SweepInput {
  coordinatorWorkflowId: string;
  children: ChildToSweep[];
  awaitClose?: string[];
  /**
   * adoptUnaccountedChildren: every workflow ID the coordinator holds (open or queued). Running children of the
   * coordinator with none of these IDs are reported `unaccounted`: a child reset after it closed runs again, and counts.
   */
  known?: string[];
}

/** The activities a coordinator calls, by name (a type, not an interface: the worker takes it as a record). */
export type CoordinatorActivities = {
  sweepChildren(input: SweepInput): Promise<SweptChild[]>;
  terminateChildren(input: { children: { workflowId: string; runId: string; reason: string }[] }): Promise<void>;
  cancelChildren(input: { children: { workflowId: string; runId: string; superseded?: Superseded }[] }): Promise<void>;
  checkCoordinatorRun(input: RunPreparationInput): Promise<RunCheck>;
  prepareCoordinatorRun(input: RunPreparationInput): Promise<RunPreparation>;
};
