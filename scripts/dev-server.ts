/**
 * Starts the Temporal CLI dev server through the SDK's `TestWorkflowEnvironment.createLocal`, with the binary
 * from `obtainTemporalCli`. Used by the test suite, the demo and the benchmarks: never a mock.
 *
 * Every dev server starts with the library's search attributes (`ConcurrencyPolicy`, `ConcurrencyKey`) registered,
 * as a namespace set up for it would have them; `searchAttributes: false` starts one without, as a namespace that
 * never registered them.
 */
import net from 'node:net';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { CONCURRENCY_SEARCH_ATTRIBUTES } from '../src/coordinator/search-attributes';
import { obtainTemporalCli, TemporalCliNotFoundError, type ObtainedCli } from './temporal-cli';

export interface DevServerOptions {
  /** Serve the Web UI on this port. */
  uiPort?: number;
  /** gRPC port; a free one when omitted. */
  port?: number;
  /** Persist to this SQLite file instead of memory. */
  dbFilename?: string;
  /** More `temporal server start-dev` arguments, e.g. `--dynamic-config-value` to lower a server limit in a test. */
  extraArgs?: string[];
  /**
   * Register the library's search attributes (`--search-attribute ConcurrencyPolicy=Keyword …`).
   * @default true
   */
  searchAttributes?: boolean;
  log?: (line: string) => void;
}

export interface DevServer {
  env: TestWorkflowEnvironment;
  /** The CLI binary, or undefined when the SDK downloaded its own. */
  cli?: ObtainedCli;
  /** gRPC address, host:port. */
  address: string;
  /** Web UI base URL, when the UI is on. */
  uiUrl?: string;
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  let cli: ObtainedCli | undefined;
  try {
    cli = obtainTemporalCli(options.log ? { log: options.log } : {});
  } catch (err) {
    if (!(err instanceof TemporalCliNotFoundError)) throw err;
    // Last route: the SDK's own download, which only works with internet access.
    (options.log ?? console.error)(`${err.message}\n  - trying the SDK's own download (needs internet)`);
  }
  const server = {
    executable: cli ? { type: 'existing-path' as const, path: cli.path } : { type: 'cached-download' as const },
    ...(options.port !== undefined && { port: options.port }),
    ...(options.uiPort !== undefined && { ui: true, uiPort: options.uiPort }),
    ...(options.dbFilename !== undefined && { dbFilename: options.dbFilename }),
    ...(options.extraArgs !== undefined && { extraArgs: options.extraArgs }),
    // The SDK passes each as `--search-attribute <name>=<type>` to `temporal server start-dev`.
    ...(options.searchAttributes !== false && { searchAttributes: [...CONCURRENCY_SEARCH_ATTRIBUTES] }),
    // The coordinator spreads many signals over one workflow; keep the dev server's logs to errors.
    log: { format: 'pretty', level: 'error' },
  };
  const env = await TestWorkflowEnvironment.createLocal({ server });
  return {
    env,
    ...(cli && { cli }),
    address: env.address,
    ...(options.uiPort !== undefined && { uiUrl: `http://localhost:${options.uiPort}` }),
  };
}

/** A TCP port free on localhost right now (the OS picks it), e.g. for the Web UI of a dev server started next. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
