import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ReconciliationRecord } from '../accounting/record.js';
import type { AlertOutcome, AlertType } from '../domain/alert.js';
import type { PriorityClass } from '../domain/priority.js';
import type { MeteredRoute } from '../domain/metered-route.js';
import type { ProviderName } from '../domain/provider-name.js';
import { everyoneInDefaultTeam, type TeamOf } from '../domain/team.js';
import { DEFAULT_MAX_MODEL_LABELS, LabelBound, OTHER_LABEL, sanitiseAgent, sanitiseModel } from './label-bound.js';
import { packageVersion } from './package-version.js';

/** Prefix of every metric Token Ninja exports (DESIGN §5). */
export const METRIC_PREFIX = 'token_ninja_';

/** Routes allowed as a `route` label; anything else is `other`. */
export const METRIC_ROUTES: readonly (MeteredRoute | 'other')[] = [
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/responses',
  '/v1/embeddings',
  '/v1/messages',
  'other',
];

const PROVIDERS: readonly ProviderName[] = ['openai', 'anthropic'];

/** What became of a request on a metered route (DESIGN §5; `error`: the proxy answered an error of its own). */
export type RequestOutcome = 'forwarded' | 'queued' | 'burst' | 'rejected' | 'upstream_error' | 'client_closed' | 'error';

/** What enforcement would have done in observe mode. */
export type WouldBeDecision = 'queued' | 'burst' | 'rejected';

export type TokenKind = 'input' | 'output';

/** One row of the allocation table as the gauges need it. */
export interface AllocationMetricRow {
  agent: string;
  /** Its team (default: the `teamOf` option's answer). */
  team?: string;
  /** Tokens per tick. */
  allocation: number;
  /** Productivity score (null or undefined while calibrating: the gauge is left unset). */
  score?: number | null;
  priorityWeight: number;
  /** Forecast demand, tokens per tick. */
  forecast: number;
}

/** An agent's token bucket balance. */
export interface RemainingRow {
  agent: string;
  remaining: number;
}

/** Figures that describe "now", read at scrape time rather than set on events (DESIGN §5 gauges). */
export interface LiveSources {
  /** Bucket balances per agent. */
  remaining?: () => Iterable<RemainingRow>;
  /** Requests waiting in the priority queue. */
  queueDepth?: () => number;
  /** Burst tokens available in this tick. */
  burstAvailable?: () => number;
  /** Period caps in their current period. */
  caps?: () => Iterable<CapMetricRow>;
}

/** One period cap as its gauges show it; `used` counts settled charges and in-flight reservations (what the limit is checked against). */
export interface CapMetricRow {
  scope: string;
  period: string;
  used: number;
  limit: number;
}

export interface MetricsOptions {
  /** Distinct agent label values before the rest fold into `other` (default 1000). */
  maxAgentLabels?: number;
  /** Distinct model label values before the rest fold into `other` (default 200). */
  maxModelLabels?: number;
  /** Version for `build_info` (default: package.json). */
  version?: string;
  /** Reallocation tick length for `tick_seconds` (default 30; dashboards turn per-tick figures into per-minute). */
  tickSeconds?: number;
  /** Each agent's team, for the `team` label of the per-agent metrics (default: everyone in `default`). */
  teamOf?: TeamOf;
  /** Process and Node.js runtime metrics, event-loop lag included (default true). */
  defaultMetrics?: boolean;
}

/** Labelled counter children kept for reuse. */
const MAX_CACHED_CHILDREN = 50_000;

/** Metric names without the prefix, in exposition order of the docs. */
const NAMES = {
  tokens: 'tokens_total',
  requests: 'requests_total',
  allocation: 'allocation_tokens',
  remaining: 'remaining_tokens',
  productivity: 'productivity_score',
  forecast: 'demand_forecast_tokens',
  priority: 'priority_weight',
  burstPool: 'burst_pool_tokens',
  queueDepth: 'queue_depth',
  queueWait: 'queue_wait_seconds',
  reallocationDuration: 'reallocation_duration_seconds',
  reallocations: 'reallocations_total',
  upstream: 'upstream_duration_seconds',
  overhead: 'proxy_overhead_seconds',
  estimateError: 'estimate_error_ratio',
  tasks: 'tasks_completed_total',
  burstDraws: 'burst_draws_total',
  newAgents: 'new_agents_total',
  storeUp: 'store_up',
  storeErrors: 'store_errors_total',
  sseMalformed: 'sse_malformed_events_total',
  wouldBe: 'would_be_decisions_total',
  priorityClaims: 'priority_claims_total',
  tickSeconds: 'tick_seconds',
  buildInfo: 'build_info',
  demandRetries: 'demand_retries_total',
  alerts: 'alerts_total',
  cost: 'cost_usd_total',
  unpriced: 'unpriced_requests_total',
  configReloads: 'config_reloads_total',
  capUsed: 'cap_used',
  capLimit: 'cap_limit',
  capBlocks: 'cap_blocks_total',
} as const;

/** Every Token Ninja metric name (prefixed), excluding the default process/runtime metrics. */
export const METRIC_NAMES: readonly string[] = Object.values(NAMES).map((n) => METRIC_PREFIX + n);

/** Of METRIC_NAMES, the histograms (exported with `_bucket`, `_sum` and `_count` series). */
export const HISTOGRAM_NAMES: readonly string[] = [
  NAMES.queueWait,
  NAMES.reallocationDuration,
  NAMES.upstream,
  NAMES.overhead,
  NAMES.estimateError,
].map((n) => METRIC_PREFIX + n);

/**
 * Default runtime gauges whose names end in `_total` although they are gauges: `promtool check metrics`
 * rejects them, and the same numbers are exported per type without the suffix (sum them in PromQL).
 */
const MISNAMED_DEFAULT_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

const DEFAULT_MAX_AGENT_LABELS = 1000;

/**
 * Every metric of DESIGN §5 (and a few operators expect) in a registry of its own, behind a small typed
 * API: callers pass raw agent ids, routes and models; this class bounds and sanitises every label.
 */
export class Metrics {
  /** The registry to expose at /metrics. */
  readonly registry = new Registry();
  private readonly agents: LabelBound;
  private readonly models: LabelBound;
  private readonly teams: LabelBound;
  private readonly teamOf: TeamOf;

  private readonly tokens: Counter<'agent' | 'team' | 'provider' | 'model' | 'kind'>;
  private readonly requests: Counter<'agent' | 'team' | 'route' | 'outcome'>;
  /** Labelled children of the per-request counters, by raw key: prom-client hashes labels on every call otherwise. */
  private readonly children = new Map<string, Counter.Internal>();
  private readonly allocation: Gauge<'agent' | 'team'>;
  private readonly remaining: Gauge<'agent' | 'team'>;
  private readonly productivity: Gauge<'agent' | 'team'>;
  private readonly forecast: Gauge<'agent' | 'team'>;
  private readonly priority: Gauge<'agent' | 'team'>;
  private readonly burstPool: Gauge<'state'>;
  private readonly queueDepth: Gauge;
  private readonly queueWait: Histogram;
  private readonly reallocationDuration: Histogram;
  private readonly reallocations: Counter;
  private readonly upstream: Histogram<'provider'>;
  private readonly overhead: Histogram;
  private readonly estimateError: Histogram;
  private readonly tasks: Counter<'agent' | 'team'>;
  private readonly burstDraws: Counter<'agent'>;
  private readonly capUsed: Gauge<'scope' | 'period'>;
  private readonly capLimit: Gauge<'scope' | 'period'>;
  private readonly capBlocks: Counter<'scope'>;
  private readonly newAgents: Counter;
  private readonly storeUp: Gauge;
  private readonly storeErrors: Counter;
  private readonly sseMalformed: Counter;
  private readonly wouldBe: Counter<'agent' | 'decision'>;
  private readonly priorityClaims: Counter<'agent' | 'class' | 'outcome'>;
  private readonly tickSeconds: Gauge;
  private readonly demandRetries: Counter<'agent'>;
  private readonly alerts: Counter<'type' | 'outcome'>;
  private readonly cost: Counter<'agent' | 'team' | 'model'>;
  private readonly unpriced: Counter<'model'>;
  private readonly configReloads: Counter<'outcome'>;
  private live: LiveSources = {};

  constructor(options: MetricsOptions = {}) {
    const maxAgents = options.maxAgentLabels ?? DEFAULT_MAX_AGENT_LABELS;
    const maxModels = options.maxModelLabels ?? DEFAULT_MAX_MODEL_LABELS;
    if (!Number.isInteger(maxAgents) || maxAgents < 0) throw new RangeError('maxAgentLabels must be an integer >= 0');
    if (!Number.isInteger(maxModels) || maxModels < 0) throw new RangeError('maxModelLabels must be an integer >= 0');
    this.agents = new LabelBound(maxAgents, sanitiseAgent);
    this.models = new LabelBound(maxModels, sanitiseModel);
    // Team names come from config, but are bounded like agents all the same.
    this.teams = new LabelBound(maxAgents, sanitiseAgent);
    this.teamOf = options.teamOf ?? everyoneInDefaultTeam;

    const registers = [this.registry];
    const name = (n: string): string => METRIC_PREFIX + n;

    this.tokens = new Counter({
      name: name(NAMES.tokens),
      help: 'Tokens charged, by agent, provider, model and kind (input|output).',
      labelNames: ['agent', 'team', 'provider', 'model', 'kind'],
      registers,
    });
    this.requests = new Counter({
      name: name(NAMES.requests),
      help: 'Requests on metered routes, by agent, route and outcome.',
      labelNames: ['agent', 'team', 'route', 'outcome'],
      registers,
    });
    this.allocation = new Gauge({
      name: name(NAMES.allocation),
      help: "Agent's current allocation, tokens per tick.",
      labelNames: ['agent', 'team'],
      registers,
    });
    this.remaining = new Gauge({
      name: name(NAMES.remaining),
      help: "Tokens in the agent's bucket now (negative while it repays a reservation's overshoot).",
      labelNames: ['agent', 'team'],
      registers,
      // An arrow: prom-client calls collect with the gauge as `this`; we need the Metrics instance.
      collect: () => {
        if (this.live.remaining) this.applyRemaining(this.live.remaining());
      },
    });
    this.productivity = new Gauge({
      name: name(NAMES.productivity),
      help: 'Productivity score: completed tasks times quality per token, over the scoring window.',
      labelNames: ['agent', 'team'],
      registers,
    });
    this.forecast = new Gauge({
      name: name(NAMES.forecast),
      help: "Forecast of the agent's demand for the tick, tokens.",
      labelNames: ['agent', 'team'],
      registers,
    });
    this.priority = new Gauge({
      name: name(NAMES.priority),
      help: "Agent's priority weight in the last reallocation.",
      labelNames: ['agent', 'team'],
      registers,
    });
    this.burstPool = new Gauge({
      name: name(NAMES.burstPool),
      help: 'Burst buffer tokens, by state (available|capacity).',
      labelNames: ['state'],
      registers,
      collect: () => {
        if (this.live.burstAvailable) this.burstPool.set({ state: 'available' }, this.live.burstAvailable());
      },
    });
    this.queueDepth = new Gauge({
      name: name(NAMES.queueDepth),
      help: 'Requests waiting in the priority queue.',
      registers,
      collect: () => {
        if (this.live.queueDepth) this.queueDepth.set(this.live.queueDepth());
      },
    });
    this.queueWait = new Histogram({
      name: name(NAMES.queueWait),
      help: 'Time requests waited in the queue before being served or refused.',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60],
      registers,
    });
    this.reallocationDuration = new Histogram({
      name: name(NAMES.reallocationDuration),
      help: 'Time one reallocation took, store reads included.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.reallocations = new Counter({
      name: name(NAMES.reallocations),
      help: 'Reallocations computed.',
      registers,
    });
    this.upstream = new Histogram({
      name: name(NAMES.upstream),
      help: "Upstream time from forwarding a request to the response's end, by provider.",
      labelNames: ['provider'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300],
      registers,
    });
    this.overhead = new Histogram({
      name: name(NAMES.overhead),
      help: 'Time the proxy adds to a request (admission, estimation, metering), queue wait excluded.',
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers,
    });
    this.estimateError = new Histogram({
      name: name(NAMES.estimateError),
      help: 'Estimated tokens divided by actual tokens, per reconciled request.',
      buckets: [0.25, 0.5, 0.75, 0.9, 0.95, 1, 1.05, 1.1, 1.25, 1.5, 2, 4],
      registers,
    });
    this.tasks = new Counter({
      name: name(NAMES.tasks),
      help: 'Task outcomes reported with completed: true.',
      labelNames: ['agent', 'team'],
      registers,
    });
    this.burstDraws = new Counter({
      name: name(NAMES.burstDraws),
      help: 'Requests served from the burst buffer.',
      labelNames: ['agent'],
      registers,
    });
    this.capUsed = new Gauge({
      name: name(NAMES.capUsed),
      help: "Usage toward each period cap in its current period (settled charges plus in-flight reservations, the pool's unit), as this proxy last saw it.",
      labelNames: ['scope', 'period'],
      registers,
      collect: () => this.applyCaps(),
    });
    this.capLimit = new Gauge({
      name: name(NAMES.capLimit),
      help: "Each period cap's limit (the pool's unit).",
      labelNames: ['scope', 'period'],
      registers,
    });
    this.capBlocks = new Counter({
      name: name(NAMES.capBlocks),
      help: 'Requests refused with budget_cap_reached, by the cap scope that refused them.',
      labelNames: ['scope'],
      registers,
    });
    this.newAgents = new Counter({
      name: name(NAMES.newAgents),
      help: 'Agents first seen by this process before a table named them (paid from the newcomer reserve, or refused).',
      registers,
    });
    this.storeUp = new Gauge({
      name: name(NAMES.storeUp),
      help: 'Whether the store answered its last call (1) or not (0).',
      registers,
    });
    this.storeErrors = new Counter({
      name: name(NAMES.storeErrors),
      help: 'Store calls that failed.',
      registers,
    });
    this.sseMalformed = new Counter({
      name: name(NAMES.sseMalformed),
      help: 'Upstream SSE events that could not be parsed (forwarded untouched, not metered).',
      registers,
    });
    this.wouldBe = new Counter({
      name: name(NAMES.wouldBe),
      help: 'Observe mode: requests enforcement would have queued, served from burst or rejected.',
      labelNames: ['agent', 'decision'],
      registers,
    });
    this.priorityClaims = new Counter({
      name: name(NAMES.priorityClaims),
      help: 'Requests claiming a priority class (header or task type), by the class claimed: granted, or capped by the ceiling.',
      labelNames: ['agent', 'class', 'outcome'],
      registers,
    });
    this.tickSeconds = new Gauge({
      name: name(NAMES.tickSeconds),
      help: 'Length of a reallocation tick: per-tick gauges times 60 / this give tokens per minute.',
      registers,
    });
    this.demandRetries = new Counter({
      name: name(NAMES.demandRetries),
      help: 'Requests repeating a body the same agent was refused within 60 s: counted once in demand.',
      labelNames: ['agent'],
      registers,
    });
    this.alerts = new Counter({
      name: name(NAMES.alerts),
      help: 'Alerts raised (DESIGN §9), by type and what became of them: sent, failed, duplicate, dropped, store_unavailable.',
      labelNames: ['type', 'outcome'],
      registers,
    });
    this.cost = new Counter({
      name: name(NAMES.cost),
      help: 'Cost of the requests charged, USD at the price book (with config prices), by agent, team and model.',
      labelNames: ['agent', 'team', 'model'],
      registers,
    });
    this.unpriced = new Counter({
      name: name(NAMES.unpriced),
      help: 'Requests charged for a model the price book and config do not price (charged prices.default).',
      labelNames: ['model'],
      registers,
    });
    this.configReloads = new Counter({
      name: name(NAMES.configReloads),
      help: 'Config reloads (SIGHUP or POST /v1/config/reload): ok, or error (the running config was kept).',
      labelNames: ['outcome'],
      registers,
    });
    // Both series exist from the start, so a first error shows as an increase rather than a new series.
    for (const outcome of ['ok', 'error'] as const) this.configReloads.inc({ outcome }, 0);
    this.tickSeconds.set(options.tickSeconds ?? 30);
    const buildInfo = new Gauge({
      name: name(NAMES.buildInfo),
      help: 'Always 1; the version is in the label.',
      labelNames: ['version'],
      registers,
    });
    buildInfo.set({ version: options.version ?? packageVersion() }, 1);
    this.storeUp.set(1);
    this.queueDepth.set(0);

    if (options.defaultMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
      for (const n of MISNAMED_DEFAULT_METRICS) this.registry.removeSingleMetric(METRIC_PREFIX + n);
    }
  }

  /** The bounded label for an agent id (what the metrics will show for it). */
  agentLabel(agent: string): string {
    return this.agents.label(agent);
  }

  /** The bounded label for a team name (DESIGN §9). */
  teamLabel(team: string): string {
    return this.teams.label(team);
  }

  /** The per-agent labels of an agent: its bounded id and its team's bounded name. */
  private agentLabels(agent: string, team = this.teamOf(agent)): { agent: string; team: string } {
    return { agent: this.agentLabel(agent), team: this.teamLabel(team) };
  }

  /** Tokens charged to an agent for one reconciled request. */
  recordTokens(agent: string, provider: ProviderName, model: string, kind: TokenKind, n: number): void {
    if (!(n > 0)) return;
    // The team is part of the key: a reload may move the agent to another team.
    const team = this.teamOf(agent);
    const key = 't\u0000' + agent + '\u0000' + team + '\u0000' + provider + '\u0000' + model + '\u0000' + kind;
    let child = this.children.get(key);
    if (child === undefined) {
      child = this.tokens.labels({ ...this.agentLabels(agent, team), provider: providerLabel(provider), model: this.models.label(model), kind });
      this.cacheChild(key, child);
    }
    child.inc(n);
  }

  /**
   * Tokens and estimate accuracy of one reconciled request (usable as a ReconciliationListener):
   * input and output tokens by provider and model, and estimated / actual over input plus output.
   */
  recordReconciliation(record: ReconciliationRecord): void {
    this.recordTokens(record.agent, record.provider, record.model, 'input', record.actualInput);
    this.recordTokens(record.agent, record.provider, record.model, 'output', record.actualOutput);
    this.observeEstimateError(
      record.estimatedInput + record.estimatedOutput,
      record.actualInput + record.actualOutput,
    );
  }

  /** What one charged request cost, USD. */
  recordCost(agent: string, model: string, usd: number): void {
    if (!(usd > 0)) return;
    const team = this.teamOf(agent);
    const key = 'c\u0000' + agent + '\u0000' + team + '\u0000' + model;
    let child = this.children.get(key);
    if (child === undefined) {
      child = this.cost.labels({ ...this.agentLabels(agent, team), model: this.models.label(model) });
      this.cacheChild(key, child);
    }
    child.inc(usd);
  }

  /** A request was charged for a model without a price (at the default price). */
  recordUnpriced(model: string): void {
    this.unpriced.inc({ model: this.models.label(model) });
  }

  /** One request on a metered route and what became of it. */
  recordRequest(agent: string, route: string, outcome: RequestOutcome): void {
    const team = this.teamOf(agent);
    const key = 'r\u0000' + agent + '\u0000' + team + '\u0000' + route + '\u0000' + outcome;
    let child = this.children.get(key);
    if (child === undefined) {
      child = this.requests.labels({ ...this.agentLabels(agent, team), route: routeLabel(route), outcome });
      this.cacheChild(key, child);
    }
    child.inc();
  }

  /** Raw keys are client-driven (agent ids beyond the label bound): the cache is dropped rather than grown past a bound. */
  private cacheChild(key: string, child: Counter.Internal): void {
    if (this.children.size >= MAX_CACHED_CHILDREN) this.children.clear();
    this.children.set(key, child);
  }

  /** Replace the per-agent allocation gauges with a new table (agents gone from it disappear). */
  setAllocationTable(rows: readonly AllocationMetricRow[]): void {
    const allocation = new Map<string, number>();
    const forecast = new Map<string, number>();
    const score = new Map<string, number[]>();
    const weight = new Map<string, number[]>();
    for (const row of rows) {
      const key = seriesKey(this.agentLabels(row.agent, row.team));
      // Agents folded into `other` add up where the figure is an amount, and average where it is a rate.
      add(allocation, key, row.allocation);
      add(forecast, key, row.forecast);
      if (row.score !== null && row.score !== undefined && Number.isFinite(row.score)) push(score, key, row.score);
      push(weight, key, row.priorityWeight);
    }
    this.allocation.reset();
    this.forecast.reset();
    this.productivity.reset();
    this.priority.reset();
    for (const [key, v] of allocation) this.allocation.set(seriesLabels(key), v);
    for (const [key, v] of forecast) this.forecast.set(seriesLabels(key), v);
    for (const [key, vs] of score) this.productivity.set(seriesLabels(key), mean(vs));
    for (const [key, vs] of weight) this.priority.set(seriesLabels(key), mean(vs));
  }

  /** Replace the bucket balances (agents folded into `other` add up). */
  setRemaining(rows: Iterable<RemainingRow>): void {
    this.applyRemaining(rows);
  }

  /** Cap gauges from the live source (both at once, so a scrape never pairs a used with another period's limit). */
  private applyCaps(): void {
    if (!this.live.caps) return;
    for (const c of this.live.caps()) {
      this.capUsed.set({ scope: c.scope, period: c.period }, c.used);
      this.capLimit.set({ scope: c.scope, period: c.period }, c.limit);
    }
  }

  /** Read the "now" gauges at scrape time from these sources (replaces any earlier ones). */
  setLiveSources(sources: LiveSources): void {
    this.live = { ...sources };
  }

  /** Burst buffer figures; with a `burstAvailable` source the available figure is read at scrape time instead. */
  setBurstPool(pool: { available: number; capacity: number }): void {
    this.burstPool.set({ state: 'available' }, pool.available);
    this.burstPool.set({ state: 'capacity' }, pool.capacity);
  }

  /** A request repeated a body its agent was refused: not counted again in demand. */
  recordDemandRetry(agent: string): void {
    this.demandRetries.inc({ agent: this.agentLabel(agent) });
  }

  /** A request was served from the burst buffer. */
  recordBurstDraw(agent: string): void {
    this.burstDraws.inc({ agent: this.agentLabel(agent) });
  }

  /** A request was refused by a period cap of `scope` (a config value: bounded). */
  recordCapBlock(scope: string): void {
    this.capBlocks.inc({ scope });
  }

  /** An agent the table does not name was treated as a newcomer for the first time (no agent label: ids are free to invent). */
  recordNewAgent(): void {
    this.newAgents.inc();
  }

  /** How long a request waited in the queue (served or not). */
  observeQueueWait(seconds: number): void {
    this.queueWait.observe(seconds);
  }

  /** One reallocation finished; counts it too. */
  observeReallocation(seconds: number): void {
    this.reallocationDuration.observe(seconds);
    this.reallocations.inc();
  }

  observeUpstream(provider: ProviderName, seconds: number): void {
    this.upstream.observe({ provider: providerLabel(provider) }, seconds);
  }

  /** Time the proxy itself added to one request. */
  observeOverhead(seconds: number): void {
    this.overhead.observe(seconds);
  }

  /** Estimate quality of one reconciled request; ignored when nothing was actually used. */
  observeEstimateError(estimatedTokens: number, actualTokens: number): void {
    if (!(actualTokens > 0) || !(estimatedTokens >= 0)) return;
    this.estimateError.observe(estimatedTokens / actualTokens);
  }

  /** A task reported with completed: true. */
  recordTaskCompleted(agent: string): void {
    this.tasks.inc(this.agentLabels(agent));
  }

  setStoreUp(up: boolean): void {
    this.storeUp.set(up ? 1 : 0);
  }

  /** What became of one alert. */
  recordAlert(type: AlertType, outcome: AlertOutcome): void {
    this.alerts.inc({ type, outcome });
  }

  /** One config reload attempt; `error` when the file was refused and the running config kept. */
  recordConfigReload(outcome: 'ok' | 'error'): void {
    this.configReloads.inc({ outcome });
  }

  recordStoreError(): void {
    this.storeErrors.inc();
  }

  recordMalformedSse(events = 1): void {
    if (events > 0) this.sseMalformed.inc(events);
  }

  /** Observe mode: what enforcement would have done to this request. */
  recordWouldBe(agent: string, decision: WouldBeDecision): void {
    this.wouldBe.inc({ agent: this.agentLabel(agent), decision });
  }

  /** A request claimed `claimed` (header or task type); `capped` when the agent's ceiling lowered it. */
  recordPriorityClaim(agent: string, claimed: PriorityClass, capped: boolean): void {
    this.priorityClaims.inc({ agent: this.agentLabel(agent), class: claimed, outcome: capped ? 'capped' : 'granted' });
  }

  /** The Prometheus text exposition. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  /** Content type of the exposition. */
  get contentType(): string {
    return this.registry.contentType;
  }

  private applyRemaining(rows: Iterable<RemainingRow>): void {
    const sums = new Map<string, number>();
    for (const row of rows) add(sums, seriesKey(this.agentLabels(row.agent)), row.remaining);
    this.remaining.reset();
    for (const [key, v] of sums) this.remaining.set(seriesLabels(key), v);
  }
}

function providerLabel(provider: string): string {
  return (PROVIDERS as readonly string[]).includes(provider) ? provider : OTHER_LABEL;
}

function routeLabel(route: string): string {
  return (METRIC_ROUTES as readonly string[]).includes(route) ? route : OTHER_LABEL;
}

/** One per-agent series as a map key (labels never hold a NUL). */
function seriesKey(labels: { agent: string; team: string }): string {
  return labels.agent + '\u0000' + labels.team;
}

function seriesLabels(key: string): { agent: string; team: string } {
  const cut = key.indexOf('\u0000');
  return { agent: key.slice(0, cut), team: key.slice(cut + 1) };
}

function add(map: Map<string, number>, key: string, v: number): void {
  map.set(key, (map.get(key) ?? 0) + v);
}

function push(map: Map<string, number[]>, key: string, v: number): void {
  const list = map.get(key);
  if (list) list.push(v);
  else map.set(key, [v]);
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
