import type {
  AdminBackend,
  AgentPolicyRequest,
  AgentPolicyView,
  AgentView,
  AllocationRow,
  AllocationsView,
  AuditView,
  ConfigReloadView,
  CapsView,
  HealthView,
  HistoryView,
  OverrideRequest,
  OverrideView,
  ReadyState,
  TaskReport,
  TaskReportAnswer,
  TeamsView,
} from '../admin/backend.js';
import type { JsonObject } from '../domain/json.js';
import type { AgentAllocation, AllocationTable } from '../allocation/types.js';
import { perTick } from '../allocation/policy.js';
import type { Admission } from '../budget/admission.js';
import { unitAmounts, unitOf } from '../config/unit.js';
import { floorAmount, type UnitName } from '../domain/unit.js';
import type { PeriodCaps } from '../budget/period-caps.js';
import type { AgentPolicy, Override, Store } from '../store/store.js';
import { StoreUnavailableError } from '../store/store-errors.js';
import type { AgentPolicies } from './agent-policies.js';
import type { TeamOf } from '../domain/team.js';
import { packageVersion } from '../telemetry/package-version.js';
import type { Accountant } from './accountant.js';
import type { DollarSpend } from './dollar-spend.js';
import type { Reallocator } from './reallocator.js';
import type { AuditTrail } from './audit-trail.js';
import type { ConfigReloader } from './config-reload.js';
import type { LiveConfig } from './live-config.js';
import type { HistoryRecorder } from '../admin/history.js';

export interface ProxyAdminBackendDeps {
  live: LiveConfig;
  reloader: ConfigReloader;
  audit: AuditTrail;
  store: Store;
  admission: Admission;
  reallocator: Reallocator;
  history: HistoryRecorder;
  accountant: Accountant;
  /** Period caps in force, where config has any. */
  caps: () => PeriodCaps | undefined;
  /** Dollars per agent and team, today and this month. */
  dollars: DollarSpend;
  policies: AgentPolicies;
  /** Each agent's team, for agents the table does not name yet. */
  teamOf: TeamOf;
  ready: () => ReadyState;
  storeUp: () => boolean;
  now: () => number;
  startedAt: number;
}

/** The running proxy as the admin API sees it: views over the allocation table, the buckets and the store. */
export class ProxyAdminBackend implements AdminBackend {
  /** The overrides last read from the store: what the views show while it cannot be reached (fail-open). */
  private lastOverrides: Override[] = [];

  constructor(private readonly deps: ProxyAdminBackendDeps) {}

  health(): HealthView {
    const { deps } = this;
    return {
      status: 'ok',
      version: packageVersion(),
      mode: deps.live.current.mode,
      uptimeSeconds: Math.round((deps.now() - deps.startedAt) / 1000),
      store: { kind: deps.store.kind, up: deps.storeUp() },
    };
  }

  ready(): ReadyState {
    return this.deps.ready();
  }

  async allocations(): Promise<AllocationsView> {
    return this.view(this.deps.reallocator.current, await this.overrides());
  }

  async teams(): Promise<TeamsView> {
    const { deps } = this;
    const table = deps.reallocator.current;
    const lines = table?.teams ?? [];
    const dollars = await deps.dollars.teams(lines.map((line) => line.team), deps.now());
    const members = new Map<string, string[]>();
    for (const a of table?.agents ?? []) {
      const list = members.get(a.team);
      if (list === undefined) members.set(a.team, [a.agent]);
      else list.push(a.agent);
    }
    return {
      ...this.header(table),
      teams: lines.map((line, i) => {
        const configured = Object.hasOwn(deps.live.current.teams, line.team) ? deps.live.current.teams[line.team] : undefined;
        const agents = members.get(line.team) ?? [];
        return {
          team: line.team,
          agentCount: agents.length,
          agents,
          patterns: configured?.agents ?? [],
          share: configured?.share ?? null,
          tokensPerMinute: configured?.tokensPerMinute ?? null,
          usdPerMinute: configured?.usdPerMinute ?? null,
          strict: line.strict,
          part: line.part,
          allocation: line.allocation,
          demand: line.forecast,
          usdToday: dollars[i]?.usdToday ?? 0,
          usdThisMonth: dollars[i]?.usdThisMonth ?? 0,
        };
      }),
    };
  }

  async agent(id: string): Promise<AgentView | undefined> {
    const { deps } = this;
    const table = deps.reallocator.current;
    const row = table?.agents.find((a) => a.agent === id);
    // While the store is down the table in force still answers; only when the agent was first seen is unknown.
    const seen = (await whileReachable(deps.store.agents(), [])).find((a) => a.agent === id);
    const overrides = await this.overrides();
    const override = overrides.find((o) => o.agent === id);
    const runtimePolicy = deps.policies.runtime(id);
    if (row === undefined && seen === undefined && override === undefined && runtimePolicy === undefined) return undefined;
    const history = deps.history.agentSamples(id);
    const caps = deps.caps();
    const spend = caps === undefined ? undefined : await caps.agentSpend(id, deps.now());
    const [cost = { usdToday: 0, usdThisMonth: 0 }] = await deps.dollars.agents([id], deps.now());
    const unit = unitOf(deps.live.current);
    return {
      agent: id,
      team: row?.team ?? deps.teamOf(id),
      firstSeen: seen ? new Date(seen.firstSeen).toISOString() : undefined,
      current: row ? this.row(row, override, unit) : undefined,
      explanation: row
        ? { boundBy: row.boundBy, summary: row.explanation.rule, inputs: flatten(row.explanation as unknown as Record<string, unknown>) }
        : undefined,
      override: override ? overrideView(override) : undefined,
      policy: this.policyView(id),
      spend: spend && { unit, today: spend.day.used, thisMonth: spend.month.used, day: spend.day.periodId, month: spend.month.periodId },
      cost,
      history,
    };
  }

  async caps(): Promise<CapsView> {
    const { now, live } = this.deps;
    const caps = this.deps.caps();
    const snapshot = caps === undefined ? [] : await caps.snapshot(now());
    return {
      // Caps count what the ledger charges: the budget's unit.
      unit: unitOf(live.current),
      caps: snapshot.map((c) => ({
        scope: c.scope,
        period: c.period,
        periodId: c.periodId,
        used: c.used,
        reserved: c.reserved,
        limit: c.limit,
        share: c.used / c.limit,
        action: c.action,
        resetsAt: new Date(c.resetsAt).toISOString(),
      })),
    };
  }

  recordTask(report: TaskReport): Promise<TaskReportAnswer> {
    return this.deps.accountant.reportTask(report.agent, report.task, report.completed, report.quality ?? 1, false);
  }

  async setOverride(agent: string, request: OverrideRequest, client: string): Promise<OverrideView> {
    const override: Override = { agent, tokensPerMinute: request.tokensPerMinute, setAt: request.setAt, expiresAt: request.expiresAt, reason: request.reason };
    await this.deps.store.setOverride(override);
    const view = overrideView(override);
    await this.deps.audit.record({ at: request.setAt, action: 'override.set', target: agent, detail: withoutUndefined(view), client });
    return view;
  }

  async deleteOverride(agent: string, client: string): Promise<boolean> {
    const deleted = await this.deps.store.deleteOverride(agent);
    if (deleted) await this.deps.audit.record({ at: this.deps.now(), action: 'override.delete', target: agent, detail: {}, client });
    return deleted;
  }

  async setAgentPolicy(agent: string, request: AgentPolicyRequest, client: string): Promise<AgentPolicyView> {
    const policy: AgentPolicy = { agent, setAt: this.deps.now() };
    if (request.criticality !== undefined) policy.criticality = request.criticality;
    if (request.ceiling !== undefined) policy.ceiling = request.ceiling;
    await this.deps.store.setAgentPolicy(policy);
    this.deps.policies.set(policy);
    await this.deps.audit.record({ at: policy.setAt, action: 'policy.set', target: agent, detail: { ...request }, client });
    return this.policyView(agent);
  }

  async deleteAgentPolicy(agent: string, client: string): Promise<boolean> {
    const deleted = await this.deps.store.deleteAgentPolicy(agent);
    this.deps.policies.delete(agent);
    if (deleted) await this.deps.audit.record({ at: this.deps.now(), action: 'policy.delete', target: agent, detail: {}, client });
    return deleted;
  }

  reloadConfig(client: string): Promise<ConfigReloadView> {
    return this.deps.reloader.reload(client);
  }

  async audit(limit: number): Promise<AuditView> {
    const entries = await this.deps.audit.recent(limit);
    return { entries: entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() })) };
  }

  /** Overrides in force: from the store, else (store unreachable) the last ones read that have not expired. */
  private async overrides(): Promise<Override[]> {
    const now = this.deps.now();
    const read = await whileReachable(this.deps.store.overrides(now), undefined);
    this.lastOverrides = read ?? this.lastOverrides.filter((o) => o.expiresAt === undefined || o.expiresAt > now);
    return this.lastOverrides;
  }

  private policyView(agent: string): AgentPolicyView {
    const { policies } = this.deps;
    const view: AgentPolicyView = { ...policies.effective(agent) };
    const runtime = policies.runtime(agent);
    if (runtime !== undefined) view.runtime = { criticality: runtime.criticality, ceiling: runtime.ceiling, setAt: new Date(runtime.setAt).toISOString() };
    return view;
  }

  async reallocate(): Promise<AllocationsView> {
    const table = await this.deps.reallocator.reallocate();
    return this.view(table, await this.overrides());
  }

  history(): HistoryView {
    return this.deps.history.view();
  }

  /** When and for which tick a view was computed, and the pool it shared (before any table: now and the configured pool). */
  private header(table: AllocationTable | undefined): Pick<AllocationsView, 'unit' | 'at' | 'tick' | 'tickSeconds' | 'pool'> {
    const { deps } = this;
    const now = deps.now();
    const config = deps.live.current;
    const tickMs = config.reallocateSeconds * 1000;
    return {
      unit: unitOf(config),
      at: new Date(table?.at ?? now).toISOString(),
      tick: table?.tick ?? Math.floor(now / tickMs),
      tickSeconds: config.reallocateSeconds,
      pool: table?.pool ?? perTick({ tickSeconds: config.reallocateSeconds }, unitAmounts(config).perMinute),
    };
  }

  private view(table: AllocationTable | undefined, overrides: Override[]): AllocationsView {
    const { deps } = this;
    const now = deps.now();
    const byAgent = new Map(overrides.map((o) => [o.agent, o]));
    const config = deps.live.current;
    const unit = unitOf(config);
    return {
      ...this.header(table),
      burst: { capacity: table?.burst.capacity ?? 0, available: floorAmount(unit, deps.admission.burstPool.available(now)) },
      newcomers: { reserve: table?.newcomers.reserve ?? 0, available: floorAmount(unit, deps.admission.newcomerPool.available(now)) },
      mode: config.mode,
      overcommitted: table?.overcommitted ?? false,
      configHash: deps.live.hash,
      agents: (table?.agents ?? []).map((a) => this.row(a, byAgent.get(a.agent), unit)),
    };
  }

  private row(a: AgentAllocation, override: Override | undefined, unit: UnitName): AllocationRow {
    return {
      agent: a.agent,
      team: a.team,
      allocation: a.allocation,
      tokensPerMinute: a.tokensPerMinute,
      score: a.calibrating ? null : a.score,
      priorityWeight: a.priorityWeight,
      forecast: a.forecast,
      boundBy: a.boundBy,
      calibrating: a.calibrating,
      remaining: floorAmount(unit, this.deps.admission.view(a.agent).balance),
      override: override ? overrideView(override) : undefined,
    };
  }
}

function overrideView(o: Override): OverrideView {
  return {
    agent: o.agent,
    tokensPerMinute: o.tokensPerMinute,
    setAt: new Date(o.setAt).toISOString(),
    expiresAt: o.expiresAt !== undefined ? new Date(o.expiresAt).toISOString() : undefined,
    reason: o.reason,
  };
}

/** A view as audit detail: JSON has no `undefined`, so absent fields are left out rather than stored as such. */
function withoutUndefined(view: OverrideView): JsonObject {
  return Object.fromEntries(Object.entries(view).filter(([, v]) => v !== undefined));
}

/** The engine's nested explanation as flat `a.b.c → value` pairs, as the admin view's `inputs` wants. */
function flatten(obj: Record<string, unknown>, prefix = '', out: Record<string, number | string | boolean | null> = {}): Record<string, number | string | boolean | null> {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v === null || v === undefined) out[key] = null;
    else if (Array.isArray(v)) v.forEach((item, i) => (typeof item === 'object' && item !== null ? flatten(item as Record<string, unknown>, `${key}.${i}`, out) : (out[`${key}.${i}`] = item as string)));
    else if (typeof v === 'object') flatten(v as Record<string, unknown>, key, out);
    else if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[key] = v;
  }
  return out;
}

/** A store read, or `fallback` while the store cannot be reached; any other failure is thrown. */
async function whileReachable<T, F>(read: Promise<T>, fallback: F): Promise<T | F> {
  try {
    return await read;
  } catch (err) {
    if (err instanceof StoreUnavailableError) return fallback;
    throw err;
  }
}
