import { describe, expect, it } from 'vitest';
import { METRICS_ADDRESS_ENV, metricsAddressFromEnv, prometheusRuntimeOptions } from '../../src/metrics-runtime';

describe('the worker program’s metrics endpoint', () => {
  it('is off unless TEMPORAL_CONCURRENCY_METRICS_ADDRESS names an address', () => {
    expect(METRICS_ADDRESS_ENV).toBe('TEMPORAL_CONCURRENCY_METRICS_ADDRESS');
    expect(metricsAddressFromEnv({})).toBeUndefined();
    expect(metricsAddressFromEnv({ [METRICS_ADDRESS_ENV]: '  ' })).toBeUndefined();
    expect(metricsAddressFromEnv({ [METRICS_ADDRESS_ENV]: ' 0.0.0.0:9464 ' })).toBe('0.0.0.0:9464');
  });

  it('serves Prometheus with the exporter’s default names', () => {
    expect(prometheusRuntimeOptions('[::]:9464')).toEqual({
      telemetryOptions: { metrics: { prometheus: { bindAddress: '[::]:9464' } } },
    });
  });
});
