/**
 * Merging the library into an application's worker options: the coordinator workflow next to the application's
 * workflows, the coordinators' activities next to the application's, the `runClosed` interceptor next to its
 * interceptors. Nothing either side brings is dropped; a clash is an error at start, not a surprise at run time.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BundleOptions, WorkerOptions } from '@temporalio/worker';
import { createActivities } from './activities';
import type { PinnedPolicy } from './coordinator/messages';

/** Workflow interceptor modules every worker that runs coordinated children must install. */
export const concurrencyInterceptors: { workflowModules: string[] } = {
  workflowModules: [path.join(__dirname, 'interceptors', 'run-closed')],
};

/** The library's workflows alone (the coordinator): a dedicated coordinator worker's bundle. */
const coordinatorWorkflowsPath = path.join(__dirname, 'workflows');
/** The coordinator plus whatever the alias below resolves to: a shared worker's bundle. */
// The bundler wants an existing file: `.ts` when run from the sources, `.js` when built.
const withApplicationWorkflowsPath = path.join(__dirname, 'workflows', `with-application${path.extname(__filename)}`);
const APPLICATION_WORKFLOWS_ALIAS = '__temporal_concurrency_application_workflows';

/** Names a prebuilt bundle must contain to run coordinators and report children's closes. */
const BUNDLE_MARKERS = ['concurrencyCoordinator', 'RunClosedInterceptor'];

/** What the library adds to worker options. */
export interface ConcurrencyOptions {
  /**
   * Policies this worker pins, by name: their limits win over what submitters send, and their allow-lists
   * (`allowedWorkflowTypes`, `allowedTaskQueues`) reject other submissions with a reason. Every worker polling the
   * coordinators' task queue must pin the same policies.
   */
  pinnedPolicies?: Record<string, PinnedPolicy> | undefined;
}

/** Worker options with the library's own. */
export type ConcurrencyWorkerOptions = WorkerOptions & ConcurrencyOptions;

/** Thrown while building worker options that could not run the coordinators; the message says how to fix it. */
export class ConcurrencyWorkerSetupError extends Error {
  override readonly name = 'ConcurrencyWorkerSetupError';
}

/**
 * The application's worker options with the library merged in: its workflows bundled with the coordinator, its
 * activities registered with the coordinators' activities, its interceptors followed by `runClosed`.
 *
 * Without `workflowsPath` the worker runs the coordinators only. With a prebuilt `workflowBundle`, build the bundle
 * with {@link withConcurrencyBundle}.
 */
export function withConcurrency(options: ConcurrencyWorkerOptions): WorkerOptions {
  const { pinnedPolicies, ...workerOptions } = options;
  const merged: WorkerOptions = {
    // A superseded run's activities learn of the cancellation through their next heartbeat; the SDK's default
    // throttle (up to 60 s) would let cancelled work run on for seconds.
    maxHeartbeatThrottleInterval: '1 second',
    ...workerOptions,
    activities: mergeActivities(
      workerOptions.activities,
      createActivities({ ...(pinnedPolicies && { pinnedPolicies }) }),
    ),
  };
  if (workerOptions.workflowBundle !== undefined) {
    assertBundleRunsCoordinators(workerOptions.workflowBundle);
    return merged;
  }
  const bundling = mergeWorkflows(workerOptions.workflowsPath, workerOptions.bundlerOptions?.webpackConfigHook);
  return {
    ...merged,
    workflowsPath: bundling.workflowsPath,
    bundlerOptions: { ...workerOptions.bundlerOptions, webpackConfigHook: bundling.webpackConfigHook },
    interceptors: {
      ...workerOptions.interceptors,
      workflowModules: withInterceptorModules(workerOptions.interceptors?.workflowModules),
    },
  };
}

/** Options for `bundleWorkflowCode` with the library merged in, for workers that run a prebuilt bundle. */
export function withConcurrencyBundle(options: BundleOptions): BundleOptions {
  const bundling = mergeWorkflows(options.workflowsPath, options.webpackConfigHook);
  return {
    ...options,
    workflowsPath: bundling.workflowsPath,
    webpackConfigHook: bundling.webpackConfigHook,
    workflowInterceptorModules: withInterceptorModules(options.workflowInterceptorModules),
  };
}

type WebpackConfigHook = NonNullable<BundleOptions['webpackConfigHook']>;

function mergeWorkflows(
  applicationWorkflowsPath: string | undefined,
  applicationHook: WebpackConfigHook | undefined,
): { workflowsPath: string; webpackConfigHook: WebpackConfigHook } {
  const hook = applicationHook ?? ((config) => config);
  if (applicationWorkflowsPath === undefined)
    return { workflowsPath: coordinatorWorkflowsPath, webpackConfigHook: hook };
  if (!fs.existsSync(applicationWorkflowsPath)) {
    throw new ConcurrencyWorkerSetupError(
      `workflowsPath ${applicationWorkflowsPath} does not exist: give the path of your workflows module, e.g. require.resolve('./workflows')`,
    );
  }
  const application = path.resolve(applicationWorkflowsPath);
  return {
    workflowsPath: withApplicationWorkflowsPath,
    webpackConfigHook: (config) => {
      const configured = hook(config);
      const alias = configured.resolve?.alias;
      if (Array.isArray(alias)) {
        return {
          ...configured,
          resolve: {
            ...configured.resolve,
            alias: [...alias, { name: APPLICATION_WORKFLOWS_ALIAS, alias: application, onlyModule: true }],
          },
        };
      }
      return {
        ...configured,
        resolve: { ...configured.resolve, alias: { ...alias, [`${APPLICATION_WORKFLOWS_ALIAS}$`]: application } },
      };
    },
  };
}

function withInterceptorModules(modules: string[] | undefined): string[] {
  const existing = modules ?? [];
  return [...existing, ...concurrencyInterceptors.workflowModules.filter((module) => !existing.includes(module))];
}

function mergeActivities(application: object | undefined, library: Record<string, unknown>): Record<string, unknown> {
  const own = (application ?? {}) as Record<string, unknown>;
  const clashes = Object.keys(library).filter((name) => Object.prototype.hasOwnProperty.call(own, name));
  if (clashes.length > 0) {
    throw new ConcurrencyWorkerSetupError(
      `activity name${clashes.length > 1 ? 's' : ''} ${clashes.join(', ')} ${clashes.length > 1 ? 'are' : 'is'} the ` +
        `coordinators' own: rename the application's activit${clashes.length > 1 ? 'ies' : 'y'} (withConcurrency ` +
        `registers the library's activities itself; do not pass them in)`,
    );
  }
  return { ...own, ...library };
}

function assertBundleRunsCoordinators(bundle: NonNullable<WorkerOptions['workflowBundle']>): void {
  const code = 'code' in bundle ? bundle.code : fs.readFileSync(bundle.codePath, 'utf8');
  const missing = BUNDLE_MARKERS.filter((marker) => !code.includes(marker));
  if (missing.length > 0) {
    throw new ConcurrencyWorkerSetupError(
      `the workflowBundle lacks the coordinator or its interceptor (${missing.join(', ')} not found): build it with ` +
        `bundleWorkflowCode(withConcurrencyBundle({ workflowsPath }))`,
    );
  }
}
