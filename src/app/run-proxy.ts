import type { Config } from '../config/schema.js';
import { startProxyApp } from './proxy-app.js';

/** `token-ninja` (no subcommand): run the proxy until SIGTERM/SIGINT, then drain and exit 0. */
export async function runProxy(config: Config): Promise<number> {
  const app = await startProxyApp(config);
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      app.logger.info({ signal, drainTimeoutMs: config.drainTimeoutMs }, 'shutting down: draining in-flight requests');
      resolve();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  await app.stop();
  return 0;
}
