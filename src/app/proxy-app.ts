import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { allocationPolicy, newcomerReserveWanted, perTick } from '../allocation/policy.js';
import type { AllocationPolicy } from '../allocation/types.js';
import { Alerts } from '../alerts/alerts.js';
import { createAdminHandler } from '../admin/handler.js';
import { HistoryRecorder } from '../admin/history.js';
import { adminBindHost, isLoopbackHost } from '../admin/bind-host.js';
import { Admission } from '../budget/admission.js';
import { StoreBurstPool } from '../budget/store-burst-pool.js';
import { PeriodCaps } from '../budget/period-caps.js';
import type { ReconciliationListener } from '../accounting/record.js';
import { tokenUnit, usdUnit, type ChargeUnit, type UsdPricing } from '../accounting/charge-unit.js';
import type { Config } from '../config/schema.js';
import { unitAmounts, unitOf } from '../config/unit.js';
import { teamResolver } from '../config/team-resolver.js';
import type { TeamOf } from '../domain/team.js';
import { createAgentHandler } from '../proxy/agent-handler.js';
import { ProxyError } from '../proxy/errors.js';
import { IdentityResolver } from '../proxy/identity.js';
import type { Admission as ProxyAdmission, AdmissionRequest, Metering } from '../proxy/metering.js';
import { ProviderCredentials } from '../proxy/provider-credentials.js';
import { DrainingServer } from '../proxy/server.js';
import { Upstreams } from '../proxy/upstream.js';
import { WebSocketPassThrough } from '../proxy/websocket.js';
import { openStore } from '../store/open-store.js';
import type { Store, TickPoolName } from '../store/store.js';
import type { PriorityClass } from '../domain/priority.js';
import { createPriceBook, type PriceBook } from '../pricing/price-book.js';
import { createLogger, type Logger } from '../telemetry/logger.js';
import { Metrics } from '../telemetry/metrics.js';
import type { Tracing } from '../telemetry/otel/tracing.js';
import { Accountant } from './accountant.js';
import { DollarSpend } from './dollar-spend.js';
import { FailoverBurstPool } from './failover-burst-pool.js';
import { FailoverCapCounters } from './failover-cap-counters.js';
import { ProxyAdminBackend } from './admin-backend.js';
import { AgentPolicies } from './agent-policies.js';
import { HintBoard } from './hint-board.js';
import { newcomerBaseline, Reallocator } from './reallocator.js';
import { LoggingRequestObserver } from './request-observer.js';
import { AuditTrail } from './audit-trail.js';
import { ConfigReloader, type ConfigReloadResult, type ConfigReloaderDeps } from './config-reload.js';
import { LiveConfig } from './live-config.js';

export interface ProxyAppOptions {
  logger?: Logger;
  /** A store to use instead of opening `config.store` (tests). */
  store?: Store;
  now?: () => number;
  onRecord?: ReconciliationListener;
  /** The config file and how to re-read it (with the start's flags and environment over it), for reloads. */
  reload?: ConfigReloaderDeps['load'];
  /** OpenTelemetry, when configured: request and tick spans, GenAI metrics. The caller shuts it down. */
  tracing?: Tracing;
}

/** A running proxy: agents' port, admin port, and everything behind them. */
export interface ProxyApp {
  readonly url: string;
  readonly adminUrl: string;
  /** The config in force (a reload replaces its reloadable keys). */
  readonly config: Config;
  readonly live: LiveConfig;
  readonly metrics: Metrics;
  readonly admission: Admission;
  readonly reallocator: Reallocator;
  /** The bounded per-tick history behind the status page. */
  readonly history: HistoryRecorder;
  readonly accountant: Accountant;
  /** The price book in force (shipped book with config `prices`). */
  readonly prices: PriceBook;
  /** Period caps (DESIGN §9); undefined when config has none. */
  readonly caps: PeriodCaps | undefined;
  readonly store: Store;
  readonly logger: Logger;
  /** DESIGN §9 alerts, where `alerts` is configured: period caps report to `observeCap`. */
  readonly alerts: Alerts | undefined;
  /** Re-read the config file and apply what is reloadable (DESIGN §10); rejects with an `AdminError`, the running config kept. */
  reloadConfig(client: string): Promise<ConfigReloadResult>;
  /** Drain and close everything; resolves true when every in-flight request finished in time. */
  stop(drainTimeoutMs?: number): Promise<boolean>;
}

/** The allocation engine's policy from the validated config. */
export function policyFromConfig(config: Config): AllocationPolicy {
  // The engine's amounts are in the budget's unit: tokens, or dollars (its `tokensPerMinute` is then USD a minute).
  const amounts = unitAmounts(config);
  return allocationPolicy({
    tokensPerMinute: amounts.perMinute,
    tickSeconds: config.reallocateSeconds,
    classWeights: config.priority.classWeights,
    taskTypeClasses: config.priority.taskTypes,
    deadline: { maxFactor: config.priority.maxDeadlineFactor },
    dependency: { maxFactor: config.priority.maxDependencyFactor },
    baseline: { tokensPerMinute: amounts.baselinePerMinute },
    calibration: { minTasks: config.calibration.minTasks, minTokens: amounts.calibrationMin, minSeconds: config.calibration.minSeconds },
    scoringWindowSeconds: config.scoringWindowSeconds,
    demandWeights: config.demandWeights,
    burst: { minFraction: config.burst.minFraction, maxFraction: config.burst.maxFraction, volatilityMultiplier: config.burst.volatilityMultiplier, minClass: config.burst.minPriority },
    headroom: config.headroom,
    floorTokensPerMinute: amounts.floorPerMinute,
    newcomers: { reserveFraction: config.newcomers.reserveFraction },
    teams: Object.fromEntries(Object.entries(config.teams).map(([name, t]) => [name, { share: t.share, tokensPerMinute: amounts.unit === 'usd' ? t.usdPerMinute : t.tokensPerMinute, strict: t.strict }])),
  });
}

/** What a request costs in the configured unit. */
function chargeUnit(config: Config, prices: UsdPricing): ChargeUnit {
  return unitOf(config) === 'tokens' ? tokenUnit(config.counting) : usdUnit(prices);
}

/** Starts the proxy on the configured ports (0 picks free ones) and returns once both listen. */
export async function startProxyApp(config: Config, options: ProxyAppOptions = {}): Promise<ProxyApp> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const now = options.now ?? Date.now;
  const startedAt = now();
  // Reload replaces the resolver; everything holding `teamOf` asks the one in force.
  let resolveTeam = teamResolver(config.teams);
  const teamOf: TeamOf = (agent) => resolveTeam(agent);
  const metrics = new Metrics({ maxAgentLabels: config.maxAgentLabels, tickSeconds: config.reallocateSeconds, teamOf });
  let storeUp = true;
  const store =
    options.store ??
    (await openStore(config.store, {
      flushMs: config.storeFlushMs,
      onFlushError: (err) => {
        metrics.recordStoreError();
        logger.warn({ err: { message: (err as Error).message } }, 'store flush failed; usage stays buffered and is retried');
      },
      // Start even while Redis is down: fail-open serves on local counts, fail-closed stays unready until it is up.
      redis: { requireConnection: false },
    }));
  await waitUntilUp(store, STARTUP_STORE_WAIT_MS);
  // Set once the accountant exists (below); the store cannot come back before the first await after it.
  let onStoreBack = (): void => {};
  store.onStatus?.((status, err) => {
    storeUp = status === 'up';
    metrics.setStoreUp(storeUp);
    if (storeUp) onStoreBack();
    if (storeUp) logger.info('store is back; buffered counts are being reconciled');
    else logger.error({ err: err ? { message: err.message } : undefined, failure: config.storeFailure }, 'store unreachable');
  });
  const isStoreUp = () => storeUp && (store.isHealthy?.() ?? true);
  if (!isStoreUp()) {
    metrics.setStoreUp(false);
    logger.error({ store: store.kind, failure: config.storeFailure }, 'store unreachable at startup; serving on local counts until it is up (fail-open) or not serving (fail-closed)');
  }
  // Fleet mode: one burst pool and one set of engine inputs for every proxy on the same Redis (docs/fleet.md).
  const fleet = store.kind === 'redis' && store.putSignals !== undefined && store.signals !== undefined;

  const policy = policyFromConfig(config);
  const tickMs = config.reallocateSeconds * 1000;
  const hints = new HintBoard();
  const agentPolicies = new AgentPolicies(config);
  // Newcomers are served even before a table could be computed (the store down at startup).
  const newcomerReserve = newcomerReserveWanted(policy, perTick(policy, policy.tokensPerMinute));
  // Fleet mode: the store's pools are shared; while it is down each proxy draws on its part of them.
  const sharedPool = (pool: TickPoolName, capacity: number, minPriority?: PriorityClass): FailoverBurstPool =>
    new FailoverBurstPool(new StoreBurstPool(store, { tickMs, minPriority, pool, capacity }), {
      tickMs,
      capacity,
      minPriority,
      isUp: () => isStoreUp(),
      // The reallocator exists by the time a table sets a capacity.
      fleetSize: (): number => reallocator.fleetSize,
    });
  const admission: Admission = new Admission({
    tickMs,
    newcomerAllowance: newcomerBaseline(policy, undefined),
    newcomerReserve,
    onNewAgent: () => metrics.recordNewAgent(),
    mode: config.mode,
    burstMinPriority: config.burst.minPriority,
    maxWaitMs: config.queue.maxWaitMs,
    maxQueueDepth: config.queue.maxDepth,
    clock: { now },
    ...(store.kind === 'redis' && { burstPool: sharedPool('burst', 0, config.burst.minPriority), newcomerPool: sharedPool('newcomers', newcomerReserve) }),
  });
  const startAlerts = (c: Config['alerts']): Alerts | undefined =>
    c && new Alerts({ config: c, store, record: (type, outcome) => metrics.recordAlert(type, outcome), logger, now });
  let alerts = startAlerts(config.alerts);
  const prices = createPriceBook(config.prices);
  const unit = chargeUnit(config, prices);
  // Cap usage is shared through the store; while it fails (fail-open) each proxy decides on its part of the room left.
  const capCounters = new FailoverCapCounters(store, {
    isUp: () => isStoreUp(),
    failOpen: config.storeFailure === 'open',
    fleetSize: (): number => reallocator.fleetSize,
  });
  const startCaps = (rules: Config['caps']): PeriodCaps | undefined =>
    rules.length > 0
      ? new PeriodCaps({
          rules,
          counters: capCounters,
          teamOf,
          enforce: config.mode === 'enforce',
          onUsage: (cap) => alerts?.observeCap({ scope: cap.scope, period: cap.period, periodId: cap.periodId, used: cap.used, limit: cap.limit, at: now() }),
          onError: (err) => logger.warn({ err: { message: (err as Error).message } }, 'period caps: a settlement was not recorded, or its usage listener failed'),
        })
      : undefined;
  let caps = startCaps(config.caps);
  // Dollars per agent and team, in the same store counters (through the same failover) as the caps.
  const dollars = new DollarSpend({
    counters: capCounters,
    flushMs: config.storeFlushMs,
    onError: (err) => logger.warn({ err: { message: (err as Error).message } }, 'dollar spend not recorded'),
  });
  const accountant = new Accountant({
    config,
    admission,
    store,
    metrics,
    logger,
    hints,
    unit,
    prices,
    teamOf,
    dollars,
    now,
    caps: () => caps,
    onRecord: options.onRecord,
    onThrottled: (agent, at) => alerts?.throttled(agent, at),
  });
  onStoreBack = () => {
    accountant.usage.retouchAgents();
    capCounters.reconcile().catch((err: unknown) => logger.warn({ err: { message: (err as Error).message } }, 'period-cap usage not reconciled yet; retried on the next request'));
  };
  // Bounded: the largest allocations of each tick, so memory does not grow with the fleet.
  const history = new HistoryRecorder({ tickSeconds: config.reallocateSeconds, maxAgentsPerPoint: Math.min(config.maxAgentLabels, 1000) });
  const reallocator: Reallocator = new Reallocator({
    history,
    store,
    policy,
    admission,
    metrics,
    logger,
    hints,
    policies: agentPolicies,
    teamOf,
    queuedDemand: () => accountant.usage.queuedDemand(),
    takeActivity: () => accountant.usage.takeActivity(),
    now,
    tracer: options.tracing?.ticks,
    ...(fleet && {
      fleet: {
        source: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
        settleMs: 2 * config.storeFlushMs,
        partialUsage: (minute: number) => accountant.usage.partialUsage(minute),
        takeTickDemand: () => accountant.usage.takeTickDemand(),
      },
    }),
  });
  const live = new LiveConfig(config);
  // What a reload changes, applied here; the rest reads `live.current` per request or per tick.
  live.onChange((next) => {
    reallocator.setPolicy(policyFromConfig(next));
    admission.configure({ maxWaitMs: next.queue.maxWaitMs, maxQueueDepth: next.queue.maxDepth, burstMinPriority: next.burst.minPriority });
    agentPolicies.reconfigure(next);
  });
  live.onChange((next, changed) => {
    if (changed.has('teams')) resolveTeam = teamResolver(next.teams);
    if (changed.has('prices')) prices.adopt(createPriceBook(next.prices));
    if (changed.has('caps')) caps = startCaps(next.caps);
    if (changed.has('alerts')) {
      // Queued alerts of the old webhook still go out (stop drains them); new ones use the new config.
      const old = alerts;
      alerts = startAlerts(next.alerts);
      old?.stop().catch((err: unknown) => logger.warn({ err: { message: (err as Error).message } }, 'alerts of the previous config not all delivered'));
    }
  });
  const audit = new AuditTrail({ store, logger, metrics });
  const reloader = new ConfigReloader({ live, load: options.reload, reallocate: () => reallocator.reallocateNow(), record: (e) => audit.record(e), metrics, logger, now });
  metrics.setLiveSources({
    remaining: () => (reallocator.current?.agents ?? []).map((a) => ({ agent: a.agent, remaining: Math.max(0, admission.view(a.agent).balance) })),
    queueDepth: () => admission.queueDepth,
    burstAvailable: () => admission.burstPool.available(now()),
    caps: () => (caps?.lastSeen(now()) ?? []).map((c) => ({ scope: c.scope, period: c.period, used: c.used + c.reserved, limit: c.limit })),
  });

  // In fail-closed mode, a down store refuses metered traffic with 503 until it is back.
  const metering: Metering =
    config.storeFailure === 'closed'
      ? {
          estimate: (...args) => accountant.estimate(...args),
          admit: (req: AdmissionRequest): Promise<ProxyAdmission> => {
            if (!isStoreUp()) return Promise.reject(new ProxyError('store_unavailable', 'the shared store is unreachable and this proxy fails closed'));
            return accountant.admit(req);
          },
          reportTask: (...args) => accountant.reportTask(...args),
        }
      : accountant;

  const upstreams = new Upstreams(config);
  const identity = new IdentityResolver(config);
  const credentials = providerCredentials(config, logger);
  let draining = false;
  const agentServer = new DrainingServer(
    createAgentHandler({
      config,
      upstreams,
      identity,
      credentials,
      metering,
      observer: new LoggingRequestObserver(logger, metrics),
      now,
      draining: () => draining,
      claimPolicy: (agent) => agentPolicies.effective(agent),
      taskTypes: () => live.current.priority.taskTypes,
      tracer: options.tracing?.requests(teamOf),
    }),
  );
  const ws = new WebSocketPassThrough(config.openaiUrl, identity, logger, credentials);
  agentServer.server.on('upgrade', (req, socket, head) => ws.handleUpgrade(req, socket, head));

  const ready = () => {
    if (draining) return { ready: false, reason: 'draining' };
    if (config.storeFailure === 'closed' && !isStoreUp()) return { ready: false, reason: 'store_down' };
    return { ready: true };
  };
  const backend = new ProxyAdminBackend({ live, reloader, audit, store, admission, reallocator, history, accountant, caps: () => caps, dollars, policies: agentPolicies, teamOf, ready, storeUp: isStoreUp, now, startedAt });
  const bind = adminBindHost({ token: config.adminToken, host: config.host });
  if (bind.warning) logger.warn(bind.warning);
  const adminServer: Server = createServer(createAdminHandler(backend, { token: config.adminToken, metrics, logger, now, unit: unitOf(config) }));

  await reallocator.reallocate();
  reallocator.start();
  // History older than the forecast reads ("same hour last week") is dropped at startup and hourly
  // (Redis also expires it by TTL).
  const prune = () => {
    store.prune(now() - RETENTION_MS).catch((err: unknown) => logger.warn({ err: { message: (err as Error).message } }, 'could not prune old history'));
  };
  prune();
  const pruneTimer = setInterval(prune, PRUNE_EVERY_MS);
  pruneTimer.unref();
  const agentAddr = await agentServer.listen(config.port, config.host);
  const adminAddr = await new Promise<AddressInfo>((resolve, reject) => {
    adminServer.once('error', reject);
    adminServer.listen(config.adminPort, bind.host, () => resolve(adminServer.address() as AddressInfo));
  });
  const url = `http://${hostForUrl(agentAddr)}:${agentAddr.port}`;
  const adminUrl = `http://${hostForUrl(adminAddr)}:${adminAddr.port}`;
  const policyUnit = unitAmounts(config);
  logger.info(
    { url, adminUrl, store: store.kind, fleet, mode: config.mode, unit: policyUnit.unit, perMinute: policyUnit.perMinute, reallocateSeconds: config.reallocateSeconds, alerts: alerts?.webhook },
    'token-ninja listening',
  );

  let stopping: Promise<boolean> | undefined;
  const stop = (drainTimeoutMs = config.drainTimeoutMs): Promise<boolean> => {
    stopping ??= (async () => {
      draining = true;
      reallocator.stop();
      clearInterval(pruneTimer);
      const drained = await agentServer.drain(drainTimeoutMs);
      admission.close();
      ws.close();
      await new Promise<void>((resolve) => {
        adminServer.close(() => resolve());
        adminServer.closeAllConnections();
      });
      await upstreams.close().catch(() => upstreams.destroy());
      await accountant.close();
      await dollars.flush();
      await alerts?.stop();
      if (options.store === undefined) await store.close();
      else await store.flush?.();
      logger.info({ drained }, 'token-ninja stopped');
      return drained;
    })();
    return stopping;
  };
  return {
    url,
    adminUrl,
    get config() {
      return live.current;
    },
    live,
    metrics,
    admission,
    reallocator,
    history,
    accountant,
    prices,
    get caps() {
      return caps;
    },
    store,
    logger,
    get alerts() {
      return alerts;
    },
    reloadConfig: (client) => reloader.reload(client),
    stop,
  };
}

/**
 * The configured provider keys, spent beyond loopback only for callers with a key from `apiKeys` (DESIGN §8),
 * unless `allowUnauthenticated` opts out: then say so, since anyone who reaches the port spends the account.
 */
function providerCredentials(config: Config, logger: Logger): ProviderCredentials {
  const keyed = config.openaiApiKey !== undefined || config.anthropicApiKey !== undefined;
  const exposed = keyed && !isLoopbackHost(config.host);
  if (exposed && config.allowUnauthenticated) {
    logger.warn(
      { host: config.host },
      'allowUnauthenticated: the configured provider keys are spent for any request that reaches this port, with or without a key from apiKeys; map API keys to agents instead',
    );
  }
  return new ProviderCredentials({ openai: config.openaiApiKey, anthropic: config.anthropicApiKey }, exposed && !config.allowUnauthenticated);
}

/** The forecast reads up to "same hour last week": keep 8 days and an hour. */
const RETENTION_MS = 8 * 24 * 3_600_000 + 3_600_000;
const PRUNE_EVERY_MS = 3_600_000;
/** How long startup waits for a server-backed store to connect before going on without it. */
const STARTUP_STORE_WAIT_MS = 1500;

/** Resolves once the store reports `up`, or after `ms` (the caller goes on degraded). */
async function waitUntilUp(store: Store, ms: number): Promise<void> {
  if (store.isHealthy === undefined || store.onStatus === undefined || store.isHealthy()) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    const off = store.onStatus!((status) => {
      if (status === 'up') done();
    });
    function done(): void {
      clearTimeout(timer);
      off();
      resolve();
    }
  });
}

function hostForUrl(addr: AddressInfo): string {
  if (addr.address === '0.0.0.0') return '127.0.0.1';
  if (addr.address === '::') return '[::1]';
  return addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
}
