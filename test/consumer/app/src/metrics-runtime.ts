import { Runtime } from '@temporalio/worker';

/**
 * The library installs no Runtime (it is process-wide, and the application's): install one with a metrics exporter
 * before creating any connection or worker, and the coordinators' metrics appear next to the SDK's.
 */
export function installPrometheusRuntime(bindAddress = '0.0.0.0:9464'): void {
  Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress } } } });
}
