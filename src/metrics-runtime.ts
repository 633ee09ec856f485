/**
 * Prometheus for the worker program. The Temporal Runtime is process-wide and can be installed once, before the first
 * connection, so only the program (`temporal-concurrency-worker`, `npm run worker`) installs one, and only when
 * asked: `createWorker` and `withConcurrency` inside an application leave the application's Runtime alone. There
 * the coordinators' metrics go wherever the application's Runtime sends metrics.
 */
import type { RuntimeOptions } from '@temporalio/worker';

/** The environment variable that turns on the worker program's Prometheus endpoint, e.g. `0.0.0.0:9464`. */
export const METRICS_ADDRESS_ENV = 'TEMPORAL_CONCURRENCY_METRICS_ADDRESS';

/** The address to serve `/metrics` on, from {@link METRICS_ADDRESS_ENV}; undefined (no endpoint) when unset or empty. */
export function metricsAddressFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const address = env[METRICS_ADDRESS_ENV]?.trim();
  return address === undefined || address === '' ? undefined : address;
}

/**
 * Runtime options that serve the SDK's metrics and the coordinators' on `http://<bindAddress>/metrics`, with the
 * exporter's default names (no `_total` or unit suffixes), as Temporal's SDK dashboards expect.
 *
 * @param bindAddress an IP address and port (`0.0.0.0:9464`, `[::]:9464`); the Runtime refuses host names
 */
export function prometheusRuntimeOptions(bindAddress: string): RuntimeOptions {
  return { telemetryOptions: { metrics: { prometheus: { bindAddress } } } };
}
