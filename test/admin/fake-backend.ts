import type { UnitName } from '../../src/domain/unit.js';
import type {
  AdminBackend,
  DollarsView,
  AgentPolicyRequest,
  AgentPolicyView,
  AgentView,
  AllocationRow,
  AllocationsView,
  AuditView,
  ConfigReloadView,
  CapView,
  CapsView,
  HistoryPoint,
  HistoryView,
  OverrideRequest,
  OverrideView,
  ReadyState,
  TaskReport,
  TaskReportAnswer,
  TeamsView,
} from '../../src/admin/backend.js';

const TICK_SECONDS = 30;

interface FakeAgent {
  agent: string;
  team: string;
  allocation: number;
  score: number | null;
  priorityWeight: number;
  forecast: number;
  boundBy: string;
}

/**
 * An AdminBackend over plain data with a controllable clock: overrides expire by that clock (as the
 * store would), and `advance()` adds a history tick whose figures change, so the page has something to draw.
 */
export class FakeBackend implements AdminBackend {
  now = Date.parse('2030-01-01T00:00:00Z');
  readyState: ReadyState = { ready: true };
  readonly tasks: TaskReport[] = [];
  readonly overrides = new Map<string, OverrideRequest & { setAt: number }>();
  readonly policies = new Map<string, AgentPolicyRequest>();
  readonly agents = new Map<string, FakeAgent>();
  readonly points: HistoryPoint[] = [];
  reallocations = 0;
  /** The client address each change and reload was made from, in order. */
  readonly clients: string[] = [];
  /** The `limit` of each audit read. */
  readonly auditLimits: number[] = [];
  failNext: Error | undefined;
  /** The budget's unit every amount is shown in. */
  unit: UnitName = 'tokens';
  /** Period caps in their current period (none by default). */
  capRows: CapView[] = [];
  /** Dollars per agent; an agent not listed spent nothing. */
  readonly costs = new Map<string, DollarsView>();

  constructor(agents: readonly string[] = ['planner', 'coder', 'reviewer']) {
    agents.forEach((agent, i) => this.addAgent(agent, 100_000 * (i + 1), i === agents.length - 1 ? null : 1 + i / 2));
    for (let i = 0; i < 5; i++) this.advance();
  }

  addAgent(agent: string, allocation: number, score: number | null = 1, team = 'default'): void {
    this.agents.set(agent, { agent, team, allocation, score, priorityWeight: 1, forecast: allocation * 0.9, boundBy: 'share' });
  }

  private tick(): number {
    return Math.floor(this.now / (TICK_SECONDS * 1000));
  }

  /** Move the clock one tick and record a history point whose numbers differ from the last. */
  advance(): void {
    this.now += TICK_SECONDS * 1000;
    const n = this.points.length;
    const agents: HistoryPoint['agents'] = {};
    for (const a of this.agents.values()) {
      a.allocation = Math.round(a.allocation * (n % 2 === 0 ? 1.1 : 0.95));
      agents[a.agent] = {
        allocation: a.allocation,
        usage: Math.round(a.allocation * (0.5 + ((n * 7) % 5) / 10)),
        productivity: a.score === null ? null : a.score + (n % 3) / 10,
        throttled: n % 4,
      };
    }
    this.points.push({
      at: new Date(this.now).toISOString(),
      tick: this.tick(),
      burstAvailable: 50_000 - ((n * 9_000) % 40_000),
      burstCapacity: 50_000,
      throttled: (n * 3) % 7,
      agents,
    });
  }

  private overrideView(agent: string): OverrideView | undefined {
    const o = this.overrides.get(agent);
    if (!o) return undefined;
    if (o.expiresAt !== undefined && o.expiresAt <= this.now) return undefined; // expired: as the store filters
    const view: OverrideView = { agent, tokensPerMinute: o.tokensPerMinute, setAt: new Date(o.setAt).toISOString() };
    if (o.expiresAt !== undefined) view.expiresAt = new Date(o.expiresAt).toISOString();
    if (o.reason !== undefined) view.reason = o.reason;
    return view;
  }

  private row(a: FakeAgent): AllocationRow {
    const override = this.overrideView(a.agent);
    const perTick = override ? (override.tokensPerMinute * TICK_SECONDS) / 60 : a.allocation;
    const row: AllocationRow = {
      agent: a.agent,
      team: a.team,
      allocation: perTick,
      tokensPerMinute: (perTick * 60) / TICK_SECONDS,
      score: a.score,
      priorityWeight: a.priorityWeight,
      forecast: a.forecast,
      boundBy: override ? 'override' : a.boundBy,
      calibrating: a.score === null,
    };
    if (override) row.override = override;
    return row;
  }

  health() {
    return { status: 'ok' as const, version: 'test', mode: 'enforce' as const, uptimeSeconds: 1 };
  }

  ready(): ReadyState {
    return this.readyState;
  }

  async allocations(): Promise<AllocationsView> {
    if (this.failNext) {
      const err = this.failNext;
      this.failNext = undefined;
      throw err;
    }
    const last = this.points[this.points.length - 1];
    return {
      unit: this.unit,
      at: new Date(this.now).toISOString(),
      tick: this.tick(),
      tickSeconds: TICK_SECONDS,
      pool: 500_000,
      burst: { capacity: last?.burstCapacity ?? 0, available: last?.burstAvailable ?? 0 },
      newcomers: { reserve: 0, available: 0 },
      mode: 'enforce',
      agents: [...this.agents.values()].map((a) => this.row(a)),
    };
  }

  /** Teams as the proxy shows them: one line per team of the agents, its part the sum of its allocations. */
  async teams(): Promise<TeamsView> {
    const table = await this.allocations();
    const names = [...new Set(table.agents.map((a) => a.team))].sort();
    return {
      at: table.at,
      tick: table.tick,
      tickSeconds: table.tickSeconds,
      pool: table.pool,
      teams: names.map((team) => {
        const rows = table.agents.filter((a) => a.team === team);
        const allocation = rows.reduce((s, a) => s + a.allocation, 0);
        return {
          team,
          agentCount: rows.length,
          agents: rows.map((a) => a.agent),
          patterns: [],
          share: null,
          tokensPerMinute: null,
          usdPerMinute: null,
          strict: false,
          part: allocation,
          allocation,
          demand: rows.reduce((s, a) => s + a.forecast, 0),
          usdToday: rows.reduce((s, a) => s + this.cost(a.agent).usdToday, 0),
          usdThisMonth: rows.reduce((s, a) => s + this.cost(a.agent).usdThisMonth, 0),
        };
      }),
    };
  }

  agent(id: string): AgentView | undefined {
    const a = this.agents.get(id);
    if (!a) return undefined;
    const view: AgentView = {
      agent: id,
      current: this.row(a),
      explanation: { boundBy: a.boundBy, summary: 'share of the pool by productivity', inputs: { forecast: a.forecast } },
      cost: this.cost(id),
      history: this.points.flatMap((p) => {
        const s = p.agents[id];
        return s
          ? [{ at: p.at, tick: p.tick, allocation: s.allocation, usage: s.usage, productivity: s.productivity, forecast: a.forecast, priorityWeight: 1, throttled: s.throttled ?? 0 }]
          : [];
      }),
    };
    const override = this.overrideView(id);
    if (override) view.override = override;
    return view;
  }

  private cost(agent: string): DollarsView {
    return this.costs.get(agent) ?? { usdToday: 0, usdThisMonth: 0 };
  }

  async recordTask(report: TaskReport): Promise<TaskReportAnswer> {
    const duplicate = this.tasks.some((t) => t.agent === report.agent && t.task === report.task);
    this.tasks.push(report);
    return { duplicate, replaced: false };
  }

  async setOverride(agent: string, override: OverrideRequest, client: string): Promise<OverrideView> {
    this.clients.push(client);
    this.overrides.set(agent, { ...override, setAt: this.now });
    const view = this.overrideView(agent);
    if (!view) throw new Error('override expired on arrival');
    return view;
  }

  async deleteOverride(agent: string): Promise<boolean> {
    const existed = this.overrideView(agent) !== undefined;
    this.overrides.delete(agent);
    return existed;
  }

  async setAgentPolicy(agent: string, request: AgentPolicyRequest): Promise<AgentPolicyView> {
    this.policies.set(agent, request);
    return { ceiling: request.ceiling ?? 'high', ceilingSource: request.ceiling ? 'runtime' : 'default', ...(request.criticality && { criticality: request.criticality, criticalitySource: 'runtime' }) };
  }

  async deleteAgentPolicy(agent: string): Promise<boolean> {
    return this.policies.delete(agent);
  }

  async reloadConfig(client: string): Promise<ConfigReloadView> {
    this.clients.push(client);
    return { applied: ['tokensPerMinute'], notReloadable: [], configHash: '0123456789abcdef' };
  }

  audit(limit: number): AuditView {
    this.auditLimits.push(limit);
    return { entries: [] };
  }

  async reallocate(): Promise<AllocationsView> {
    this.reallocations++;
    return this.allocations();
  }

  history(): HistoryView {
    return { tickSeconds: TICK_SECONDS, points: this.points.slice(-120) };
  }

  caps(): CapsView {
    return { unit: this.unit, caps: this.capRows };
  }
}
