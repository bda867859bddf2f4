import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';

/** A config loaded from YAML text as if it were the `--config` file `tn.yaml`, with no env and no flags. */
export function loadYaml(yaml: string): Config {
  return loadConfig({ argv: ['--config', 'tn.yaml'], env: {}, readFile: () => yaml });
}

/** The field and message a refused YAML config is refused with; throws when it is accepted. */
export function refusal(yaml: string): { field: string | undefined; message: string } {
  try {
    loadYaml(yaml);
  } catch (err) {
    if (err instanceof ConfigError) return { field: err.field, message: err.message };
    throw err;
  }
  throw new Error('expected the config to be refused');
}
