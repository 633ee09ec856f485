import { describe, expect, it } from 'vitest';
import { loadConnectionSettings } from '../../src/connection';

// A config file that cannot exist, so the developer's own ~/.config/temporal profile cannot leak into the test.
const isolated = { TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml' };

describe('loadConnectionSettings', () => {
  it('defaults to the local dev server, namespace default and task queue concurrency', () => {
    const settings = loadConnectionSettings({ ...isolated });
    expect(settings.connectionOptions.address).toBe('localhost:7233');
    expect(settings.namespace).toBe('default');
    expect(settings.taskQueue).toBe('concurrency');
  });

  it('reads TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE and the API key the envconfig way', () => {
    const settings = loadConnectionSettings({
      ...isolated,
      TEMPORAL_ADDRESS: 'my-ns.a1b2c.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'my-ns.a1b2c',
      TEMPORAL_TASK_QUEUE: 'chat',
      TEMPORAL_API_KEY: 'secret',
    });
    expect(settings.connectionOptions.address).toBe('my-ns.a1b2c.tmprl.cloud:7233');
    expect(settings.connectionOptions.apiKey).toBe('secret');
    // envconfig turns TLS on when an API key is given.
    expect(settings.connectionOptions.tls).toBeTruthy();
    expect(settings.namespace).toBe('my-ns.a1b2c');
    expect(settings.taskQueue).toBe('chat');
  });
});
