/**
 * What a person sees in Temporal Web UI (the dev server's own, 2.54.1) after a burst on one key under maxRuns 1
 * (newest wins): m-1 superseded by m-2, m-2 by m-3, m-3 running. A real browser (Debian's chromium through
 * playwright-core) opens the pages a person would: the cancelled child, its coordinator and the list filtered by
 * `ConcurrencyKey`; the assertions are about text on the page, mostly on its first screen (the viewport, no scrolling,
 * no clicks). Screenshots of each page go to test-results/screenshots/.
 *
 * The Web UI is a single-page app that keeps polling running workflows: every wait is on a selector or a text, never
 * on a sleep or on the network going idle.
 *
 * No browser is a failure of every test, not a skip: `.ci/run` installs chromium when absent. Two tests marked TODO
 * check what the workflow side had yet to add; they fail once it is there, to be made plain assertions.
 */
import type { Worker } from '@temporalio/worker';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import type { SubmitResult } from '../../src/client';
import { concurrencyKeySearchAttribute } from '../../src/coordinator/search-attributes';
import { launchBrowser, onFirstScreen, saveScreenshot, VIEWPORT, webUi } from '../helpers/browser';
import { demoPolicy, queryState, submitDemo, waitForState } from '../helpers/demo';
import {
  connectToTestServer,
  createTestWorker,
  eventually,
  uniqueName,
  type TemporalTestContext,
} from '../helpers/temporal';

/** How long a page may take to show something: the UI loads the history in pages and renders it in the browser. */
const UI_TIMEOUT_MS = 60_000;

interface Burst {
  policy: string;
  key: string;
  coordinator: { workflowId: string; runId: string };
  /** m-1, m-2, m-3, in submission order. */
  children: { id: string; workflowId: string; runId: string }[];
  /** The coordinator of `<key>-ui`, a key that `WorkflowId STARTS_WITH` would confuse with this one. */
  neighbourCoordinatorId: string;
}

let ctx: TemporalTestContext;
let browser: Browser;
let worker: { instance: Worker; running: Promise<void> } | undefined;
let burst: Burst;
let ui: ReturnType<typeof webUi>;

/** m-1, m-2, m-3 on one key, each submitted once the previous one runs, so each supersedes the one before. */
async function runBurst(taskQueue: string): Promise<Burst> {
  // A fresh policy keeps the key's runs apart from any other test's; the key reads like the README's.
  const policy = demoPolicy(taskQueue, 1, undefined, { name: uniqueName('preview') });
  const key = 'doc-A';
  const submitted: SubmitResult[] = [];
  for (const id of ['m-1', 'm-2', 'm-3']) {
    // Long work: m-3 is still running while the pages are looked at.
    submitted.push(await submitDemo(ctx.client, policy, key, id, 600_000));
    await waitForState(
      ctx.client,
      submitted[0]!.coordinatorWorkflowId,
      (s) => s.running.some((run) => run.id === id && run.runId !== undefined),
      `${id} running`,
    );
  }
  const coordinatorId = submitted[0]!.coordinatorWorkflowId;
  const state = await waitForState(
    ctx.client,
    coordinatorId,
    (s) => ['m-1', 'm-2'].every((id) => s.recent.some((run) => run.id === id && run.outcome === 'cancelled')),
    'm-1 and m-2 cancelled',
  );
  const neighbour = await submitDemo(ctx.client, policy, `${key}-ui`, 'm-1', 0);
  const runIdOf = async (workflowId: string) => (await ctx.client.workflow.getHandle(workflowId).describe()).runId;
  return {
    policy: policy.name,
    key,
    coordinator: { workflowId: coordinatorId, runId: await runIdOf(coordinatorId) },
    children: await Promise.all(
      submitted.map(async ({ submissionId, childWorkflowId }) => ({
        id: submissionId,
        workflowId: childWorkflowId,
        runId:
          [...state.running, ...state.recent].find((run) => run.id === submissionId)?.runId ??
          (await runIdOf(childWorkflowId)),
      })),
    ),
    neighbourCoordinatorId: neighbour.coordinatorWorkflowId,
  };
}

/** Why the setup failed, if it did: every test then fails with it (a hook's failure would only skip them). */
let setupError: unknown;

beforeAll(async () => {
  try {
    // The browser first: without one there is nothing to look at.
    browser = await launchBrowser();
    ctx = await connectToTestServer();
    ui = webUi(inject('temporalUiUrl'));
    // One worker for the whole file, not one per test: the Web UI reads a workflow's current details with a query,
    // which only a running worker answers.
    const taskQueue = uniqueName('web-ui');
    const instance = await createTestWorker(ctx, taskQueue);
    worker = { instance, running: instance.run() };
    burst = await runBurst(taskQueue);
  } catch (err) {
    setupError = err;
  }
}, 240_000);

/** Throws the setup's failure, so that each test fails (not skips) without a browser or a burst. */
function ready(): void {
  if (setupError === undefined) return;
  throw setupError instanceof Error ? setupError : new Error('the setup failed', { cause: setupError });
}

afterAll(async () => {
  await browser?.close();
  if (burst) {
    // End what still runs (the coordinator, m-3) rather than leave it on the shared server.
    for (const workflowId of [burst.coordinator.workflowId, burst.children[2]!.workflowId]) {
      await ctx.client.workflow
        .getHandle(workflowId)
        .terminate('web-ui test done')
        .catch(() => undefined);
    }
  }
  if (worker) {
    worker.instance.shutdown();
    await worker.running;
  }
  await ctx?.close();
});

/** A fresh page of the viewport's size at `url`. */
async function open(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: VIEWPORT });
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  return page;
}

/** The element's text once it is visible. */
async function textOf(locator: Locator): Promise<string> {
  await locator.waitFor({ state: 'visible' });
  return (await locator.innerText()).trim();
}

/** The workflow IDs in the list page's rows, once at least `atLeast` rows are shown. */
async function listedWorkflowIds(page: Page, atLeast = 1): Promise<string[]> {
  const rows = page.getByTestId('workflows-summary-configurable-table-row');
  await rows.nth(atLeast - 1).waitFor();
  const ids: string[] = [];
  for (const row of await rows.all()) {
    // The Workflow ID cell links to the workflow's page: /namespaces/<ns>/workflows/<encoded ID>/<run ID>.
    const href = (await row.locator('a[href*="/workflows/"]').first().getAttribute('href')) ?? '';
    const parts = new URL(href, 'http://web-ui').pathname.split('/');
    ids.push(decodeURIComponent(parts[parts.indexOf('workflows') + 1] ?? ''));
  }
  return ids.sort();
}

/** What the server's visibility lists for the query, once it lists all of `expected` (it lags the writes a little). */
async function visibilityLists(query: string, expected: string[]): Promise<string[]> {
  return eventually(
    async () => {
      const ids: string[] = [];
      for await (const execution of ctx.client.workflow.list({ query })) ids.push(execution.workflowId);
      return expected.every((id) => ids.includes(id)) ? ids.sort() : undefined;
    },
    { what: `visibility to list ${expected.join(', ')} for ${query}` },
  );
}

/** The visibility query for one key's runs: a key belongs to a policy, and other policies may use the same key. */
function keyQuery({ policy, key }: Burst): string {
  return `ConcurrencyPolicy = "${policy}" AND ConcurrencyKey = "${key}"`;
}

describe('Temporal Web UI', () => {
  it('a superseded child opens on Canceled, its timeline showing the superseded signal and the cleanup', async () => {
    ready();
    const child = burst.children[0]!;
    const page = await open(ui.workflow(child.workflowId, child.runId));
    try {
      expect(await textOf(page.getByTestId('workflow-id-heading'))).toBe(child.workflowId);
      expect(await textOf(page.getByTestId('execution-status'))).toMatch(/^canceled$/i);
      // The timeline draws one row per activity, timer and signal, labelled with its name or its summary.
      const cleanup = page.getByText('cleanUpAfterCancel', { exact: true }).first();
      await cleanup.waitFor();
      expect(await onFirstScreen(cleanup)).toBe(true);
      expect(await onFirstScreen(page.getByText('superseded', { exact: true }).first())).toBe(true);
      await saveScreenshot(page, 'cancelled-child');
    } finally {
      await page.close();
    }
  });

  // The interceptor's timeline note: a timer whose summary is the one row label Web UI shows for it.
  it('a superseded child names the submission that superseded it (m-2) on its first screen', async () => {
    ready();
    const child = burst.children[0]!;
    const page = await open(ui.workflow(child.workflowId, child.runId));
    try {
      await page.getByText('cleanUpAfterCancel', { exact: true }).first().waitFor();
      const note = page.getByText(/superseded by m-2\b/).first();
      await note.waitFor();
      expect(await onFirstScreen(note)).toBe(true);
      await saveScreenshot(page, 'cancelled-child-note');
    } finally {
      await page.close();
    }
  });

  it("the coordinator opens on Running, its timeline naming each submission's child; its current details name the running one", async () => {
    ready();
    const { coordinator } = burst;
    const page = await open(ui.workflow(coordinator.workflowId, coordinator.runId));
    try {
      expect(await textOf(page.getByTestId('workflow-id-heading'))).toBe(coordinator.workflowId);
      expect(await textOf(page.getByTestId('execution-status'))).toMatch(/^running$/i);
      // A child's row in the parent's timeline is labelled with the child's static summary, which names its submission;
      // the newest row is on top.
      const rowOf = (id: string) => page.getByText(new RegExp(`submission ${id}\\b`)).first();
      for (const { id } of burst.children) await rowOf(id).waitFor();
      expect(await onFirstScreen(rowOf('m-3'))).toBe(true);
      await saveScreenshot(page, 'coordinator');
    } finally {
      await page.close();
    }

    // The running/queued table is the coordinator's current details, which the Web UI shows on the User Metadata tab
    // (rendered markdown, inside an iframe).
    const details = await open(ui.workflow(coordinator.workflowId, coordinator.runId, 'user-metadata'));
    try {
      const currentDetails = details.frameLocator('#user-metadata-current-details').locator('body');
      await currentDetails
        .getByText(/\bm-3\b/)
        .first()
        .waitFor();
      const lines = (await currentDetails.innerText()).split('\n');
      expect(
        lines.some((line) => /\bm-3\b/.test(line) && /running/i.test(line)),
        lines.join('\n'),
      ).toBe(true);
      // Its table row names who superseded m-2 (cancelling, or cancelled once its cleanup ended).
      expect(
        lines.some((line) => /\bm-2\b/.test(line) && /superseded by\s+m-3\b/.test(line)),
        lines.join('\n'),
      ).toBe(true);
      expect((await queryState(ctx.client, coordinator.workflowId)).running.map((run) => run.id)).toEqual(['m-3']);
      await saveScreenshot(details, 'coordinator-current-details');
    } finally {
      await details.close();
    }
  });

  it("the list filtered by ConcurrencyPolicy and ConcurrencyKey shows exactly the key's runs, not a key sharing its prefix", async () => {
    ready();
    const { coordinator, neighbourCoordinatorId } = burst;
    const query = keyQuery(burst);
    const listed = await visibilityLists(query, [coordinator.workflowId]);
    const page = await open(ui.list(query));
    try {
      const shown = await listedWorkflowIds(page);
      expect(shown).toEqual(listed);
      expect(shown).toContain(coordinator.workflowId);
      expect(shown).not.toContain(neighbourCoordinatorId);
      // The coordinator, and (once they carry the attribute) its children, whose IDs extend the coordinator's.
      for (const id of shown)
        expect(id === coordinator.workflowId || id.startsWith(`${coordinator.workflowId}/`), id).toBe(true);
      // The query stays on the page, as filters.
      expect(await textOf(page.getByText(burst.policy).first())).toContain(burst.policy);
      await saveScreenshot(page, 'key-list');
    } finally {
      await page.close();
    }
  });

  it("the list filtered by ParentWorkflowId shows exactly the coordinator's children", async () => {
    ready();
    const { coordinator, children } = burst;
    const query = `ParentWorkflowId = "${coordinator.workflowId}"`;
    const expected = children.map((child) => child.workflowId).sort();
    await visibilityLists(query, expected);
    const page = await open(ui.list(query));
    try {
      expect(await listedWorkflowIds(page, expected.length)).toEqual(expected);
      await saveScreenshot(page, 'children-list');
    } finally {
      await page.close();
    }
  });

  // The coordinator hands the attributes it was started with on to its children.
  it("the list filtered by ConcurrencyPolicy and ConcurrencyKey shows the key's coordinator and its three children", async () => {
    ready();
    const { coordinator, children, key } = burst;
    const query = keyQuery(burst);
    const expected = [coordinator.workflowId, ...children.map((child) => child.workflowId)].sort();
    const { typedSearchAttributes } = await ctx.client.workflow.getHandle(children[2]!.workflowId).describe();
    expect(typedSearchAttributes.get(concurrencyKeySearchAttribute), 'ConcurrencyKey on m-3').toBe(key);
    await visibilityLists(query, expected);
    const page = await open(ui.list(query));
    try {
      expect(await listedWorkflowIds(page, expected.length)).toEqual(expected);
      await saveScreenshot(page, 'key-list-with-children');
    } finally {
      await page.close();
    }
  });
});
