import type { UnitName } from '../domain/unit.js';

/**
 * What the admin API and status page need from the running proxy (DESIGN §4). The proxy implements it
 * over its ledger, allocation engine and store; tests implement it with plain data. Times in views are
 * ISO-8601 strings (they are read by people and browsers); times in requests are unix milliseconds.
 */

import type { AuditAction } from '../domain/audit.js';
import type { JsonObject } from '../domain/json.js';

/** A value or a promise of it: read methods may be answered from memory or from the store. */
export type MaybePromise<T> = T | Promise<T>;

/** GET /healthz body: the process runs. */
export interface HealthView {
  status: 'ok';
  version?: string;
  mode?: 'enforce' | 'observe';
  uptimeSeconds?: number;
  store?: { kind: string; up: boolean };
}

/** GET /readyz: whether the proxy can serve; `reason` (e.g. `starting`, `draining`, `store_down`) when not. */
export interface ReadyState {
  ready: boolean;
  reason?: string;
}

/** A manual allocation as the API shows it. */
export interface OverrideView {
  agent: string;
  tokensPerMinute: number;
  setAt: string;
  expiresAt?: string;
  reason?: string;
}

/** One agent's row of the allocation table. Amounts are tokens per tick unless named per minute. */
export interface AllocationRow {
  agent: string;
  /** Its team (DESIGN §9; `default` where no configured team names it). */
  team: string;
  allocation: number;
  /** The same allocation in tokens per minute (what `x-ratelimit-limit-tokens` shows). */
  tokensPerMinute: number;
  /** Productivity score; null while the agent is calibrating. */
  score: number | null;
  priorityWeight: number;
  /** Forecast demand for the tick. */
  forecast: number;
  /** What bound the allocation, as the engine names it (e.g. `share`, `demand`, `floor`, `baseline`, `override`). */
  boundBy: string;
  calibrating?: boolean;
  /** Tokens in the agent's bucket now. */
  remaining?: number;
  override?: OverrideView;
}

/** GET /v1/allocations: the current table (DESIGN §4). */
export interface AllocationsView {
  /** The unit of every amount below: tokens, or dollars (`usd`). */
  unit?: UnitName;
  /** When the table was computed. */
  at: string;
  /** `floor(unix ms / tick ms)`: the same on every proxy of a fleet. */
  tick: number;
  tickSeconds: number;
  /** Tokens per tick shared by all agents. */
  pool: number;
  burst: { capacity: number; available: number };
  /** Tokens per tick set aside for agents the table does not name (DESIGN §8), and this proxy's last sight of what is left. */
  newcomers: { reserve: number; available: number };
  mode?: 'enforce' | 'observe';
  /** True when operator overrides alone exceed the pool (every other agent is then held at the floor). */
  overcommitted?: boolean;
  /** Hash of the reloadable config in force: proxies of a fleet with different hashes run different policies. */
  configHash?: string;
  agents: AllocationRow[];
}

/** `POST /v1/config/reload`: what the reload put in force and what waits for a restart (DESIGN §10). */
export interface ConfigReloadView {
  /** Changed reloadable top-level keys, now in force. */
  applied: string[];
  /** Changed keys that need a restart (ports, host, store…); their running values stay. */
  notReloadable: string[];
  configHash: string;
}

/** One admin change of the audit trail. */
export interface AuditEntryView {
  at: string;
  action: AuditAction;
  /** The agent id, or the config file. */
  target: string;
  detail: JsonObject;
  /** The admin client's address, or `signal:SIGHUP`. */
  client: string;
}

/** `GET /v1/audit`: admin changes, newest first. */
export interface AuditView {
  entries: AuditEntryView[];
}

/** One team of `GET /v1/teams` (DESIGN §9). Amounts are tokens per tick. */
export interface TeamView {
  team: string;
  /** How many agents of the current table are in it, and which. */
  agentCount: number;
  agents: string[];
  /** The agent ids and globs config lists for it. */
  patterns: string[];
  /** As configured; null where not set. */
  share: number | null;
  tokensPerMinute: number | null;
  /** A fixed part in dollars a minute (unit usd). */
  usdPerMinute: number | null;
  strict: boolean;
  /** Its part of the pool this tick (what it leaves unused flows to other teams unless strict). */
  part: number;
  /** Σ of its agents' allocations. */
  allocation: number;
  /** Σ of its agents' forecast demand. */
  demand: number;
  /** Dollars (at the price book) its agents spent while in it, in the current UTC day and month. */
  usdToday: number;
  usdThisMonth: number;
}

/** GET /v1/teams: the teams of the current table, by name. */
export interface TeamsView {
  at: string;
  tick: number;
  tickSeconds: number;
  pool: number;
  teams: TeamView[];
}

/** Why an agent got what it got: each input and the cap that bound it. */
export interface AllocationExplanation {
  boundBy: string;
  /** One sentence for people, e.g. "capped at forecast demand plus 20% headroom". */
  summary: string;
  /** The engine's inputs for this agent (forecast windows, tasks, quality, priority parts…). */
  inputs: Record<string, number | string | boolean | null>;
}

/** One tick of one agent's history. */
export interface AgentSample {
  at: string;
  tick: number;
  allocation: number;
  /** Tokens charged during the tick. */
  usage: number;
  productivity: number | null;
  forecast?: number;
  priorityWeight?: number;
  /** Requests queued or rejected during the tick. */
  throttled: number;
}

/** Where a policy field came from: a runtime PUT, the config's `agents`, its `priority.ceilings`, or the built-in default. */
export type AgentPolicySource = 'runtime' | 'config.agents' | 'config.priority.ceilings' | 'default';

/** What operators granted an agent (DESIGN §8), each field with its source. */
export interface AgentPolicyView {
  /** The highest class the agent may claim. */
  ceiling: string;
  ceilingSource: AgentPolicySource;
  /** The class used when it claims none; absent: `normal`. */
  criticality?: string;
  criticalitySource?: AgentPolicySource;
  /** The runtime policy as set by `PUT /v1/agents/{id}/policy`, if any. */
  runtime?: { criticality?: string; ceiling?: string; setAt: string };
}

/** Body of `PUT /v1/agents/{id}/policy` once validated; it replaces the agent's runtime policy. */
export interface AgentPolicyRequest {
  criticality?: 'critical' | 'high' | 'normal' | 'low';
  ceiling?: 'critical' | 'high' | 'normal' | 'low';
}

/** One period cap in its current period (DESIGN §9). Amounts in the pool's unit. */
export interface CapView {
  /** `fleet`, `team:<name>` or `agent:<id>`. */
  scope: string;
  period: 'day' | 'month';
  /** `day:2026-12-06` or `month:2026-12` (UTC). */
  periodId: string;
  /** Charged by settled requests. */
  used: number;
  /** Held by admitted requests still running. */
  reserved: number;
  limit: number;
  /** used / limit. */
  share: number;
  action: 'block' | 'alert';
  /** The next UTC reset. */
  resetsAt: string;
}

/** GET /v1/caps. */
export interface CapsView {
  unit: string;
  caps: CapView[];
}

/** An agent's settled spend in the current UTC day and month (tracked only where period caps are configured). */
export interface AgentSpendView {
  unit: string;
  today: number;
  thisMonth: number;
  /** The periods they count: `day:…`, `month:…`. */
  day: string;
  month: string;
}

/** Dollars spent at the price book in the current UTC day and month, whatever the budget's unit. */
export interface DollarsView {
  usdToday: number;
  usdThisMonth: number;
}

/** GET /v1/agents/{id}. */
export interface AgentView {
  agent: string;
  /** Its team (DESIGN §9). */
  team?: string;
  firstSeen?: string;
  /** Its row of the current table; absent when known but not allocated this tick. */
  current?: AllocationRow;
  explanation?: AllocationExplanation;
  override?: OverrideView;
  policy?: AgentPolicyView;
  spend?: AgentSpendView;
  /** What it spent in dollars. */
  cost: DollarsView;
  /** Oldest first. */
  history: AgentSample[];
}

/** Per-agent figures of one history tick. */
export interface HistoryAgentPoint {
  allocation: number;
  usage: number;
  productivity: number | null;
  throttled?: number;
  forecast?: number;
  priorityWeight?: number;
}

/** One tick of fleet history, for the status page. */
export interface HistoryPoint {
  at: string;
  tick: number;
  burstAvailable: number;
  burstCapacity: number;
  /** Requests queued or rejected during the tick, all agents. */
  throttled: number;
  agents: Record<string, HistoryAgentPoint>;
}

/** GET /v1/history: recent ticks, oldest first (the backend bounds how many). */
export interface HistoryView {
  tickSeconds: number;
  points: HistoryPoint[];
}

/** A task outcome reported on the admin port (DESIGN §3). */
export interface TaskReport {
  agent: string;
  task: string;
  completed: boolean;
  /** 0–1; absent when the reporter gave none (the backend decides what that means). */
  quality?: number;
}

/** What recording a task report did (DESIGN §3). */
export interface TaskReportAnswer {
  duplicate: boolean;
  replaced: boolean;
}

/** A manual allocation to set; the handler has already turned `ttlSeconds` into `expiresAt`. */
export interface OverrideRequest {
  tokensPerMinute: number;
  /** Unix ms the operator set it (the handler's clock, which also started any TTL). */
  setAt: number;
  /** Unix ms; absent means until deleted. The backend (store) stops applying it after this time. */
  expiresAt?: number;
  reason?: string;
}

/** The running proxy as the admin API sees it. */
export interface AdminBackend {
  health(): MaybePromise<HealthView>;
  ready(): MaybePromise<ReadyState>;
  allocations(): MaybePromise<AllocationsView>;
  teams(): MaybePromise<TeamsView>;
  /** Undefined for an agent the proxy has never seen. */
  agent(id: string): MaybePromise<AgentView | undefined>;
  /** Record an evaluator's report: `duplicate` when the task was already counted, `replaced` when it overruled the agent's own. */
  recordTask(report: TaskReport): Promise<TaskReportAnswer>;
  /** `client` (here and below): the admin client's address, for the audit trail. */
  setOverride(agent: string, override: OverrideRequest, client: string): Promise<OverrideView>;
  /** False when there was no override to delete. */
  deleteOverride(agent: string, client: string): Promise<boolean>;
  /** Replace the agent's runtime policy (persisted; in force on this proxy at once, fleet-wide by the next tick). */
  setAgentPolicy(agent: string, request: AgentPolicyRequest, client: string): Promise<AgentPolicyView>;
  /** False when the agent had no runtime policy. */
  deleteAgentPolicy(agent: string, client: string): Promise<boolean>;
  /** Re-read the config file and apply what is reloadable; rejects (invalid file, no file) with the running config kept. */
  reloadConfig(client: string): Promise<ConfigReloadView>;
  /** Up to `limit` admin changes, newest first. */
  audit(limit: number): MaybePromise<AuditView>;
  /** Reallocate now and return the new table. */
  reallocate(): Promise<AllocationsView>;
  history(): MaybePromise<HistoryView>;
  /** Each period cap with its usage in the current period. */
  caps(): MaybePromise<CapsView>;
}
