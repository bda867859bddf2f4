import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { ENV_VARS } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';
import { envOf, parseDockerfile, type Stage } from './parse-dockerfile.js';
import { BIN_COMMAND, PACKAGE, ROOT, readText } from './repo.js';

type Obj = Record<string, unknown>;

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
function obj(x: unknown, what: string): Obj {
  if (!isObj(x)) throw new Error(`${what}: expected a mapping`);
  return x;
}
function list(x: unknown): unknown[] {
  return Array.isArray(x) ? x : [];
}
function str(x: unknown): string | undefined {
  return typeof x === 'string' ? x : undefined;
}

const DEPLOY = join(ROOT, 'deploy');
const ENV_NAMES = Object.keys(ENV_VARS);
// The proxy's own defaults: manifests must agree with them, not with numbers copied by hand.
const DEFAULTS = loadConfig({ argv: [], env: {} });
const IMAGE_ENV = envOf(parseDockerfile(readText('Dockerfile')).stages.at(-1) as Stage);

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const yamlFiles = filesUnder(DEPLOY).filter((f) => /\.ya?ml$/.test(f));
const parsed = yamlFiles.map((file) => ({ file, docs: parseAllDocuments(readFileSync(file, 'utf8')) }));
const k8s = parsed
  .filter((p) => relative(DEPLOY, p.file).startsWith('k8s/'))
  .flatMap((p) => p.docs.map((d) => d.toJS() as unknown))
  .filter(isObj)
  .filter((d) => typeof d.kind === 'string' && d.kind !== 'Kustomization');

function ofKind(kind: string): Obj[] {
  return k8s.filter((d) => d.kind === kind);
}
function nameOf(doc: Obj): string {
  return str(obj(doc.metadata, 'metadata').name) ?? '';
}
function labelsOf(meta: unknown): Record<string, string> {
  return isObj(meta) && isObj(meta.labels) ? (meta.labels as Record<string, string>) : {};
}

interface Pod {
  workload: string;
  labels: Record<string, string>;
  spec: Obj;
  containers: Obj[];
}

const pods: Pod[] = ofKind('Deployment').map((d) => {
  const template = obj(obj(d.spec, 'spec').template, 'template');
  const spec = obj(template.spec, 'pod spec');
  return { workload: nameOf(d), labels: labelsOf(template.metadata), spec, containers: list(spec.containers).map((c) => obj(c, 'container')) };
});
const proxyContainers = pods.flatMap((pod) => pod.containers.filter((c) => c.name === 'token-ninja').map((container) => ({ pod, container })));

function envList(container: Obj): Obj[] {
  return list(container.env).map((e) => obj(e, 'env entry'));
}
function envValue(container: Obj, name: string): string | undefined {
  return str(envList(container).find((e) => e.name === name)?.value);
}
function containerPort(pod: Pod, port: unknown): number | undefined {
  if (typeof port === 'number') return port;
  for (const c of pod.containers) {
    for (const p of list(c.ports).filter(isObj)) if (p.name === port) return p.containerPort as number;
  }
  return undefined;
}
function selects(selector: unknown, labels: Record<string, string>): boolean {
  return isObj(selector) && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** The Secret value a secretKeyRef points at, or undefined. */
function secretValue(ref: Obj): string | undefined {
  const secret = ofKind('Secret').find((s) => nameOf(s) === ref.name);
  if (secret === undefined) return undefined;
  const plain = isObj(secret.stringData) ? str(secret.stringData[ref.key as string]) : undefined;
  const encoded = isObj(secret.data) ? str(secret.data[ref.key as string]) : undefined;
  return plain ?? (encoded !== undefined ? Buffer.from(encoded, 'base64').toString('utf8') : undefined);
}

/** The proxy's configuration as this container would load it: image ENV, container env, args, mounted ConfigMap. */
function configOf(pod: Pod, container: Obj) {
  const env: Record<string, string> = { ...IMAGE_ENV };
  for (const entry of envList(container)) {
    const name = entry.name as string;
    if (typeof entry.value === 'string') env[name] = entry.value;
    const ref = isObj(entry.valueFrom) ? entry.valueFrom.secretKeyRef : undefined;
    if (isObj(ref)) {
      const value = secretValue(ref);
      if (value === undefined) throw new Error(`${pod.workload}: ${name} refers to a missing Secret key ${String(ref.name)}/${String(ref.key)}`);
      env[name] = value;
    }
  }
  const readFile = (path: string): string => {
    for (const mount of list(container.volumeMounts).filter(isObj)) {
      const at = `${String(mount.mountPath).replace(/\/$/, '')}/`;
      if (!path.startsWith(at)) continue;
      const volume = list(pod.spec.volumes).filter(isObj).find((v) => v.name === mount.name);
      const configMap = isObj(volume?.configMap) ? volume.configMap : undefined;
      const data = ofKind('ConfigMap').find((c) => nameOf(c) === configMap?.name)?.data;
      const text = isObj(data) ? str(data[path.slice(at.length)]) : undefined;
      if (text !== undefined) return text;
    }
    throw new Error(`${pod.workload}: ${path} is not in a mounted ConfigMap`);
  };
  const args = list(container.args).map(String);
  return loadConfig({ argv: args, env, readFile });
}

describe('deploy/ manifests', () => {
  it('every YAML file parses (multi-document)', () => {
    expect(yamlFiles.length).toBeGreaterThanOrEqual(6);
    for (const { file, docs } of parsed) {
      for (const doc of docs) expect(doc.errors, relative(ROOT, file)).toEqual([]);
    }
    expect(proxyContainers.length).toBeGreaterThanOrEqual(2);
  });

  it('every TOKEN_NINJA_* name in deploy/ and the Dockerfile is one the proxy reads', () => {
    const texts = [...filesUnder(DEPLOY), join(ROOT, 'Dockerfile')].map((f) => ({ f, text: readFileSync(f, 'utf8') }));
    let seen = 0;
    for (const { f, text } of texts) {
      for (const match of text.matchAll(/\bTOKEN_NINJA_[A-Z0-9_]+\b/g)) {
        seen++;
        expect(ENV_NAMES, `${match[0]} in ${relative(ROOT, f)}`).toContain(match[0]);
      }
    }
    expect(seen).toBeGreaterThan(5);
  });

  it('proxy containers run the package’s image and command', () => {
    for (const { pod, container } of proxyContainers) {
      expect(container.image, pod.workload).toBe(`${PACKAGE.name}:${PACKAGE.version}`);
      expect(container.command, pod.workload).toEqual(BIN_COMMAND);
    }
  });

  it('proxy containers expose the agents’ and admin ports, and nothing else', () => {
    for (const { pod, container } of proxyContainers) {
      const ports = list(container.ports).filter(isObj).map((p) => p.containerPort);
      expect(ports.sort(), pod.workload).toEqual([DEFAULTS.port, DEFAULTS.adminPort].sort());
    }
  });

  it('probes: liveness on /healthz, readiness on /readyz, both on the admin port', () => {
    // The admin server really serves these paths.
    const admin = readText('src/admin/handler.ts');
    expect(admin).toContain("'/healthz'");
    expect(admin).toContain("'/readyz'");
    for (const { pod, container } of proxyContainers) {
      const live = obj(obj(container.livenessProbe, 'livenessProbe').httpGet, 'httpGet');
      const ready = obj(obj(container.readinessProbe, 'readinessProbe').httpGet, 'httpGet');
      expect(live.path).toBe('/healthz');
      expect(ready.path).toBe('/readyz');
      expect(containerPort(pod, live.port), pod.workload).toBe(DEFAULTS.adminPort);
      expect(containerPort(pod, ready.port), pod.workload).toBe(DEFAULTS.adminPort);
    }
  });

  it('each proxy’s configuration loads, listens beyond loopback and has an admin token', () => {
    for (const { pod, container } of proxyContainers) {
      const config = configOf(pod, container);
      // Probes and Prometheus reach the pod IP; without a token the admin port would stay on loopback.
      expect(config.host, pod.workload).toBe('0.0.0.0');
      expect(config.adminToken, pod.workload).toBeDefined();
      expect(config.port).toBe(DEFAULTS.port);
      expect(config.adminPort).toBe(DEFAULTS.adminPort);
      expect(list(container.args)).toContain('--config');
      // Draining must finish before the kubelet's SIGKILL.
      expect(Number(pod.spec.terminationGracePeriodSeconds) * 1000, pod.workload).toBeGreaterThan(config.drainTimeoutMs);
    }
  });

  it('sidecar pods: the agent talks to the proxy on localhost, the proxy names the agent', () => {
    const sidecars = pods.filter((p) => p.containers.length > 1 && p.containers.some((c) => c.name === 'token-ninja'));
    expect(sidecars.length).toBeGreaterThanOrEqual(1);
    for (const pod of sidecars) {
      const proxy = pod.containers.find((c) => c.name === 'token-ninja') as Obj;
      expect(configOf(pod, proxy).agent, pod.workload).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
      for (const agent of pod.containers.filter((c) => c !== proxy)) {
        expect(envValue(agent, 'OPENAI_BASE_URL')).toBe(`http://127.0.0.1:${DEFAULTS.port}/v1`);
        expect(envValue(agent, 'ANTHROPIC_BASE_URL')).toBe(`http://127.0.0.1:${DEFAULTS.port}`);
      }
    }
  });

  it('fleet proxies share the Redis Service named in their store URL', () => {
    const services = ofKind('Service');
    for (const { pod, container } of proxyContainers) {
      const store = configOf(pod, container).store;
      expect(store, pod.workload).toMatch(/^redis:\/\//);
      const url = new URL(store);
      const service = services.find((s) => nameOf(s) === url.hostname);
      expect(service, `Service ${url.hostname}`).toBeDefined();
      const ports = list(obj((service as Obj).spec, 'spec').ports).filter(isObj).map((p) => p.port);
      expect(ports).toContain(Number(url.port));
    }
  });

  it('Services select pods and target ports that exist; scraped ones point at the admin port’s /metrics', () => {
    const services = ofKind('Service');
    expect(services.length).toBeGreaterThanOrEqual(3);
    let scraped = 0;
    for (const service of services) {
      const spec = obj(service.spec, 'spec');
      const selected = pods.filter((p) => selects(spec.selector, p.labels));
      expect(selected.length, `Service ${nameOf(service)} selects a pod`).toBeGreaterThan(0);
      for (const port of list(spec.ports).filter(isObj)) {
        for (const pod of selected) expect(containerPort(pod, port.targetPort ?? port.port), `${nameOf(service)}→${pod.workload}`).toBeDefined();
      }
      const annotations = isObj(obj(service.metadata, 'metadata').annotations) ? (obj(service.metadata, 'metadata').annotations as Obj) : {};
      if (annotations['prometheus.io/scrape'] === 'true') {
        scraped++;
        expect(annotations['prometheus.io/port']).toBe(String(DEFAULTS.adminPort));
        expect(annotations['prometheus.io/path']).toBe('/metrics');
        for (const pod of selected) expect(pod.containers.some((c) => c.name === 'token-ninja')).toBe(true);
      }
    }
    expect(scraped).toBeGreaterThanOrEqual(1);
  });

  it('the ServiceMonitor selects Services that have its endpoint port, on the admin port', () => {
    const monitors = ofKind('ServiceMonitor');
    expect(monitors.length).toBe(1);
    for (const monitor of monitors) {
      const spec = obj(monitor.spec, 'spec');
      const matched = ofKind('Service').filter((s) => selects(obj(spec.selector, 'selector').matchLabels, labelsOf(s.metadata)));
      expect(matched.length).toBeGreaterThan(0);
      for (const endpoint of list(spec.endpoints).filter(isObj)) {
        expect(endpoint.path).toBe('/metrics');
        for (const service of matched) {
          const port = list(obj(service.spec, 'spec').ports).filter(isObj).find((p) => p.name === endpoint.port);
          expect(port?.port, `${nameOf(service)} has port ${String(endpoint.port)}`).toBe(DEFAULTS.adminPort);
        }
      }
    }
  });

  it('the kustomization lists every manifest in deploy/k8s', () => {
    const kustomization = parseYaml(readText('deploy/k8s/kustomization.yaml')) as Obj;
    const listed = list(kustomization.resources).map(String).sort();
    const present = yamlFiles
      .filter((f) => relative(DEPLOY, f).startsWith('k8s/') && !f.endsWith('kustomization.yaml'))
      .map((f) => relative(join(DEPLOY, 'k8s'), f))
      .sort();
    expect(listed).toEqual(present);
  });
});

describe('deploy/compose.yaml', () => {
  const compose = obj(parseYaml(readText('deploy/compose.yaml')), 'compose');
  const services = obj(compose.services, 'services');
  const service = (name: string) => obj(services[name], `service ${name}`);
  /** Compose interpolation: ${X:-default} → default, ${X:?message} → a placeholder, ${X} → ''. */
  const interpolate = (value: string) =>
    value.replace(/\$\{(\w+)(?::?([-?])([^}]*))?\}/g, (_m, _name: string, op?: string, rest?: string) => (op === '-' ? (rest ?? '') : op === '?' ? 'set-by-the-operator' : ''));
  const mounts = (name: string) =>
    list(service(name).volumes)
      .map(String)
      .map((v) => {
        const [source, target] = v.split(':');
        return { source: resolve(DEPLOY, source as string), target: target as string, named: !(source as string).startsWith('.') };
      });
  // The proxy service is the one Prometheus scrapes (deploy/prometheus/prometheus.yml).
  const prometheusConfig = obj(parseYaml(readText('deploy/prometheus/prometheus.yml')), 'prometheus.yml');
  const targets = list(prometheusConfig.scrape_configs)
    .filter(isObj)
    .flatMap((c) => list(c.static_configs).filter(isObj).flatMap((s) => list(s.targets).map(String)));

  it('builds the proxy from the repository’s Dockerfile, under the name Prometheus scrapes', () => {
    const proxies = Object.keys(services).filter((name) => isObj(services[name]) && isObj((services[name] as Obj).build));
    expect(proxies).toHaveLength(1);
    const name = proxies[0] as string;
    const build = obj(service(name).build, 'build');
    const context = resolve(DEPLOY, String(build.context));
    expect(context).toBe(resolve(ROOT));
    expect(existsSync(join(context, String(build.dockerfile ?? 'Dockerfile')))).toBe(true);
    expect(targets).toContain(`${name}:${DEFAULTS.adminPort}`);
  });

  it('the proxy’s environment loads, with an admin token so Prometheus can reach the admin port', () => {
    const proxy = service('token-ninja');
    const env: Record<string, string> = { ...IMAGE_ENV };
    for (const [key, value] of Object.entries(obj(proxy.environment, 'environment'))) {
      expect(ENV_NAMES).toContain(key);
      env[key] = interpolate(String(value));
    }
    const config = loadConfig({ argv: [], env });
    expect(config.host).toBe('0.0.0.0');
    expect(config.adminToken).toBeDefined();
    const store = new URL(config.store);
    expect(Object.keys(services)).toContain(store.hostname);
    const published = list(proxy.ports).map((p) => Number(String(p).split(':').at(-1)));
    expect(published.sort()).toEqual([DEFAULTS.port, DEFAULTS.adminPort].sort());
    expect(mounts('token-ninja').map((m) => m.target)).toContain('/data');
  });

  it('Prometheus mounts deploy/prometheus/prometheus.yml', () => {
    const config = mounts('prometheus').find((m) => m.target === '/etc/prometheus/prometheus.yml');
    expect(config?.source).toBe(join(DEPLOY, 'prometheus/prometheus.yml'));
    expect(existsSync(config?.source as string)).toBe(true);
  });

  it('Grafana is provisioned with the Prometheus datasource and the Token Ninja dashboard', () => {
    const grafana = mounts('grafana');
    const provisioning = grafana.find((m) => m.target === '/etc/grafana/provisioning');
    expect(provisioning).toBeDefined();
    const provisioningDir = provisioning?.source as string;
    const datasources = filesUnder(join(provisioningDir, 'datasources')).map((f) => obj(parseYaml(readFileSync(f, 'utf8')), f));
    const urls = datasources.flatMap((d) => list(d.datasources).filter(isObj).map((s) => new URL(String(s.url))));
    expect(urls.some((u) => u.hostname === 'prometheus' && Object.keys(services).includes(u.hostname))).toBe(true);
    const providers = filesUnder(join(provisioningDir, 'dashboards')).flatMap((f) => list(obj(parseYaml(readFileSync(f, 'utf8')), f).providers).filter(isObj));
    const path = str(obj(providers[0]?.options, 'options').path);
    const dashboards = grafana.find((m) => m.target === path);
    expect(dashboards, `a volume mounted at ${String(path)}`).toBeDefined();
    expect(dashboards?.source).toBe(join(DEPLOY, 'grafana/dashboards'));
    expect(existsSync(join(dashboards?.source as string, 'token-ninja.json'))).toBe(true);
  });
});
