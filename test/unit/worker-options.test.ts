/**
 * `withConcurrency` merges the library into an application's worker options without dropping either side's, and
 * refuses at start what could not run the coordinators.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkerOptions } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import {
  ConcurrencyWorkerSetupError,
  concurrencyInterceptors,
  withConcurrency,
  withConcurrencyBundle,
} from '../../src/worker-options';

const applicationWorkflows = path.join(__dirname, '..', '..', 'examples', 'workflows', 'index.ts');
const LIBRARY_ACTIVITIES = [
  'checkCoordinatorRun',
  'prepareCoordinatorRun',
  'sweepChildren',
  'terminateChildren',
  'cancelChildren',
];

type Hook = NonNullable<NonNullable<WorkerOptions['bundlerOptions']>['webpackConfigHook']>;
type WebpackConfig = Parameters<Hook>[0];

function aliasesAfter(hook: Hook | undefined, config: WebpackConfig = { resolve: { alias: { existing$: '/x' } } }) {
  return hook?.(config).resolve?.alias as Record<string, string>;
}

describe('withConcurrency', () => {
  it("keeps the application's activities and adds the coordinators'", () => {
    const mine = { renderPreviewImage: () => Promise.resolve('ok') };
    const options = withConcurrency({ taskQueue: 'q', workflowsPath: applicationWorkflows, activities: mine });
    const names = Object.keys(options.activities as object);
    expect(names).toEqual(expect.arrayContaining(['renderPreviewImage', ...LIBRARY_ACTIVITIES]));
  });

  it("registers the coordinators' activities even when the application passes none", () => {
    const options = withConcurrency({ taskQueue: 'q' });
    expect(Object.keys(options.activities as object).sort()).toEqual([...LIBRARY_ACTIVITIES].sort());
  });

  it("refuses an application activity named like one of the coordinators', naming it", () => {
    const call = () => withConcurrency({ taskQueue: 'q', activities: { sweepChildren: () => Promise.resolve() } });
    expect(call).toThrow(ConcurrencyWorkerSetupError);
    expect(call).toThrow(/sweepChildren/);
  });

  it("bundles the application's workflows with the coordinator through an alias, chaining its own webpack hook", () => {
    const options = withConcurrency({
      taskQueue: 'q',
      workflowsPath: applicationWorkflows,
      bundlerOptions: {
        ignoreModules: ['some-module'],
        webpackConfigHook: (config) => ({
          ...config,
          resolve: { ...config.resolve, alias: { ...(config.resolve?.alias as object), mine$: '/m' } },
        }),
      },
    });
    expect(options.workflowsPath).toMatch(/with-application\.ts$/);
    expect(fs.existsSync(options.workflowsPath as string)).toBe(true);
    expect(options.bundlerOptions?.ignoreModules).toEqual(['some-module']);
    expect(aliasesAfter(options.bundlerOptions?.webpackConfigHook)).toEqual({
      existing$: '/x',
      mine$: '/m',
      __temporal_concurrency_application_workflows$: applicationWorkflows,
    });
  });

  it('runs the coordinators alone without a workflowsPath', () => {
    const options = withConcurrency({ taskQueue: 'q' });
    expect(options.workflowsPath).toBe(path.join(__dirname, '..', '..', 'src', 'workflows'));
  });

  it("keeps the application's interceptors and appends runClosed once", () => {
    const options = withConcurrency({
      taskQueue: 'q',
      interceptors: {
        workflowModules: ['/app/interceptors', ...concurrencyInterceptors.workflowModules],
        activity: [],
      },
    });
    expect(options.interceptors?.workflowModules).toEqual([
      '/app/interceptors',
      ...concurrencyInterceptors.workflowModules,
    ]);
    expect(options.interceptors?.activity).toEqual([]);
  });

  it("keeps the application's heartbeat throttle, and shortens the SDK's default otherwise", () => {
    expect(withConcurrency({ taskQueue: 'q' }).maxHeartbeatThrottleInterval).toBe('1 second');
    expect(withConcurrency({ taskQueue: 'q', maxHeartbeatThrottleInterval: '5s' }).maxHeartbeatThrottleInterval).toBe(
      '5s',
    );
  });

  it('refuses a workflowsPath that does not exist', () => {
    expect(() => withConcurrency({ taskQueue: 'q', workflowsPath: '/nowhere/workflows.ts' })).toThrow(
      ConcurrencyWorkerSetupError,
    );
  });

  it('refuses a prebuilt bundle built without withConcurrencyBundle, and accepts one built with it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-options-'));
    try {
      const plain = path.join(dir, 'plain.js');
      fs.writeFileSync(plain, 'exports.renderPreview = function renderPreview() {}');
      expect(() => withConcurrency({ taskQueue: 'q', workflowBundle: { codePath: plain } })).toThrow(
        /withConcurrencyBundle/,
      );
      const merged = 'function concurrencyCoordinator() {} class RunClosedInterceptor {}';
      expect(withConcurrency({ taskQueue: 'q', workflowBundle: { code: merged } }).workflowBundle).toEqual({
        code: merged,
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('withConcurrencyBundle', () => {
  it('merges workflows and interceptor modules into bundle options', () => {
    const options = withConcurrencyBundle({
      workflowsPath: applicationWorkflows,
      workflowInterceptorModules: ['/app/i'],
    });
    expect(options.workflowsPath).toMatch(/with-application\.ts$/);
    expect(options.workflowInterceptorModules).toEqual(['/app/i', ...concurrencyInterceptors.workflowModules]);
    expect(aliasesAfter(options.webpackConfigHook)).toMatchObject({
      __temporal_concurrency_application_workflows$: applicationWorkflows,
    });
  });
});
