import { AdminError } from '../admin/errors.js';
import type { Config } from '../config/schema.js';
import type { ConfigReloaderDeps } from './config-reload.js';
import { startProxyApp } from './proxy-app.js';

/**
 * `token-ninja` (no subcommand): run the proxy until SIGTERM/SIGINT, then drain and exit 0. SIGHUP reloads
 * the config file (`reload`: how to re-read it; absent when started without `--config`, and a SIGHUP says so).
 */
export async function runProxy(config: Config, reload?: ConfigReloaderDeps['load']): Promise<number> {
  const app = await startProxyApp(config, { reload });
  const onHangup = (): void => {
    app.reloadConfig('signal:SIGHUP').catch((err: unknown) => {
      // The reloader has logged the failures it names (an invalid file, no file); anything else is a bug.
      if (!(err instanceof AdminError)) app.logger.error({ err }, 'config reload failed; the running config is kept');
    });
  };
  process.on('SIGHUP', onHangup);
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      app.logger.info({ signal, drainTimeoutMs: config.drainTimeoutMs }, 'shutting down: draining in-flight requests');
      resolve();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  process.off('SIGHUP', onHangup);
  await app.stop();
  return 0;
}
