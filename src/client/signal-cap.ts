/**
 * Temporal caps the signals one workflow run accepts (`history.maximumSignalsPerExecution`, 10,000 by default) and
 * refuses more with INVALID_ARGUMENT. A coordinator rolls over long before that (`continueAsNewAfterSignals`), but a
 * key flooded hard enough can starve the rollover: the server refuses to close a run while signals keep arriving
 * during its workflow tasks. Once the cap refuses signals, the flood stops reaching the run and its rollover succeeds;
 * so a submission refused at the cap is sent again shortly, to the next run, instead of failing the submitter.
 */

/** The server's message when a run has received all the signals it may. */
const SIGNAL_CAP_MESSAGE = 'exceeded workflow execution limit for signal events';

/** How long `submit()` keeps retrying a submission refused at the cap before it gives up. */
export const SIGNAL_CAP_RETRY_MS = 60_000;

/** Whether `err` (or its cause) is the server refusing a signal because the run is at its signal cap. */
export function isSignalCapError(err: unknown): boolean {
  for (let cause = err; cause instanceof Error; cause = cause.cause) {
    if (cause.message.includes(SIGNAL_CAP_MESSAGE)) return true;
  }
  return false;
}

/** Runs `send`, sending again with backoff while the run is at its signal cap (at most {@link SIGNAL_CAP_RETRY_MS}). */
export async function retryAtSignalCap<T>(send: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + SIGNAL_CAP_RETRY_MS;
  for (let delayMs = 100; ; delayMs = Math.min(delayMs * 2, 2000)) {
    try {
      return await send();
    } catch (err) {
      if (!isSignalCapError(err) || Date.now() + delayMs > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
