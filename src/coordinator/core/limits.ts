/**
 * The limits a value must respect before it reaches a Temporal command. The server refuses a start command whose ID,
 * type or task queue breaks its limits by failing the whole workflow task — on every retry — so the coordinator checks
 * every value first (docs/wire-contract.md) and the client checks the same ones before any network call.
 *
 * Pure and sandbox-safe: used by the client, the coordinator workflow and the activities.
 *
 * @module
 */

/**
 * Longest workflow ID, workflow type and task queue name, in UTF-8 bytes (the server measures with Go's `len`). The
 * server's `limit.maxIDLength` defaults to 1000, but upstream's SQL development config sets 255, the smallest limit
 * servers are commonly run with.
 */
export const MAX_TEMPORAL_ID_LENGTH = 255;

/** Task queues under this prefix are the server's own; a start on one is refused. */
export const RESERVED_TASK_QUEUE_PREFIX = '/_sys/';

/** Every coordinator ID and every default child ID starts with this; submitters may not choose IDs under it. */
export const COORDINATOR_ID_PREFIX = 'concurrency/';

/** Longest policy name: a hashed coordinator ID (`concurrency/<policy>/~<32 hex>`) then stays under 150 characters. */
export const MAX_POLICY_NAME_LENGTH = 100;

/** Longest group key. Long keys are hashed into the coordinator ID, but the key itself travels in state and memos. */
export const MAX_KEY_LENGTH = 1000;

/** Longest submission id: it is part of the default child workflow ID. */
export const MAX_SUBMISSION_ID_LENGTH = 200;

/** Most runs per key: the coordinator describes every open child in one sweep. */
export const MAX_MAX_RUNS = 1000;

/**
 * Most bytes of child arguments started in one workflow task. Starts are split across tasks so that no task
 * completion nears the 4 MB gRPC message limit (the server terminates a workflow whose completion is too large).
 */
export const MAX_START_BYTES_PER_TASK = 1024 * 1024;

/** Most child starts issued in one workflow task; the rest follow in the next task. */
export const MAX_STARTS_PER_TASK = 100;

/**
 * Most submissions one key keeps waiting (the timedQueue behaviour): the queue travels in one continue-as-new payload,
 * which the server caps at 2 MB, and each decision reads all of it. Newer arrivals beyond it are dropped, saying so.
 */
export const MAX_QUEUED_SUBMISSIONS = 5000;

/** Most open children a coordinator run keeps: the server refuses a run more than 2,000 pending children. */
export const MAX_OPEN_CHILDREN = 1500;

/** Longest reason recorded for an outcome (a child's error message can be megabytes). */
export const MAX_REASON_BYTES = 1000;

/** Most closes found unreported (no `runClosed`) that wait for judgement; the oldest are forgotten beyond it. */
export const MAX_UNREPORTED_CLOSES = 100;

/** Most task queues remembered as named for lacking the interceptor; the oldest are forgotten (named again if met). */
export const MAX_INTERCEPTOR_MISSING_QUEUES = 100;

/** Whether a string holds a UTF-16 surrogate without its pair: it cannot be encoded as UTF-8 for the server. */
export function hasLoneSurrogate(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
      i++;
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      return true;
    }
  }
  return false;
}

/** UTF-8 length of a well-formed string, computed without TextEncoder (not every workflow sandbox has it). */
export function utf8Length(value: string): number {
  let bytes = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Size of a value as the default JSON payload converter encodes it; `undefined` when it is not JSON-serializable
 * (a BigInt, a cycle). An approximation for custom converters, which is what the budgets need.
 */
export function jsonBytes(value: unknown): number | undefined {
  try {
    const json = JSON.stringify(value);
    return json === undefined ? 0 : utf8Length(json);
  } catch {
    return undefined;
  }
}

/** Whether an ID has the shape of a coordinator ID (`concurrency/<policy>/<key>`), which children may never take. */
export function looksLikeCoordinatorId(workflowId: string): boolean {
  return /^concurrency\/[^/]+\/[^/]+$/.test(workflowId);
}

/**
 * Longest user-metadata summary the library writes. The server refuses a command whose summary is over its
 * `limit.userMetadataSummarySize` (400 bytes by default), and keys and ids can be long.
 */
export const MAX_SUMMARY_BYTES = 200;

/** `text` cut to at most `maxBytes` of UTF-8, marked with an ellipsis when cut. */
export function truncateUtf8(text: string, maxBytes = MAX_SUMMARY_BYTES): string {
  if (utf8Length(text) <= maxBytes) return text;
  if (maxBytes < 3) return '';
  let cut = text.slice(0, maxBytes);
  while (utf8Length(cut) > maxBytes - 3 || hasLoneSurrogate(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/**
 * A user-metadata summary: control characters, quotes and backslashes (which JSON escapes up to six times longer)
 * replaced, then cut to {@link MAX_SUMMARY_BYTES}, so its encoded payload stays under the server's limit.
 */
export function summaryText(text: string): string {
  return truncateUtf8(text.replace(/[\u0000-\u001f\u007f"\\]/g, '?'));
}
