/**
 * The set-up every integration test file shares: a connection to the run's dev server (started once by the global
 * setup) for the file's tests, closed after them with the large-message history connections the helpers open.
 */
import { afterAll, beforeAll } from 'vitest';
import { closeHistoryConnections } from './hostile';
import { connectToTestServer, type TemporalTestContext } from './temporal';

/**
 * Connects before the file's tests and closes after them. The returned context is usable inside tests and hooks
 * (its fields are read when used, once connected).
 */
export function useTestServer(): TemporalTestContext {
  let current: TemporalTestContext | undefined;
  beforeAll(async () => {
    current = await connectToTestServer();
  });
  afterAll(async () => {
    await closeHistoryConnections();
    await current?.close();
  });
  const connected = (): TemporalTestContext => {
    if (!current) throw new Error('useTestServer(): the connection is opened in beforeAll; use it inside tests');
    return current;
  };
  return {
    get client() {
      return connected().client;
    },
    get nativeConnection() {
      return connected().nativeConnection;
    },
    close: () => Promise.resolve(), // closed by the afterAll above
  };
}
