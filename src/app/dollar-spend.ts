import { CAP_PERIODS } from '../domain/cap-rule.js';
import { periodCounter, periodId } from '../budget/cap-period.js';
import type { CapCounters } from '../budget/period-caps.js';
import { capKey, capOpId } from '../store/cap-counter.js';
import type { CapCounterKey, CapDelta } from '../store/store.js';
import type { DollarsView } from '../admin/backend.js';

export interface DollarSpendOptions {
  /** The store's counters (the period caps' failover wrapper: local counts while the store is away). */
  counters: Pick<CapCounters, 'capAdd' | 'capCounters'>;
  /** How long a settled cost may wait in memory before it is written (the store's flush interval). */
  flushMs: number;
  /** Told when a batch could not be written. */
  onError: (err: unknown) => void;
}

/** Counter scopes of the dollar tallies: apart from every cap scope (`fleet`, `team:…`, `agent:…`). */
function agentDollars(agent: string): string {
  return `usd:agent:${agent}`;
}
function teamDollars(team: string): string {
  return `usd:team:${team}`;
}

/**
 * What each agent and team spent in dollars (at the price book) in the current UTC day and month, whatever
 * the budget's unit and whether or not caps are configured. Kept in the store's period counters, so a
 * restart and every proxy of a fleet read the same figures. A settled request only adds to an in-memory
 * tally (O(1)); the tallies go to the store in one batch per flush interval, and before every read.
 */
export class DollarSpend {
  private pending = new Map<string, CapDelta>();
  private timer: NodeJS.Timeout | undefined;
  /** The write under way: the next one waits for it, so batches land in order. */
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly options: DollarSpendOptions) {}

  /** A request of `agent` (in `team`) settled at `now`, costing `usd`. */
  record(agent: string, team: string, usd: number, now: number): void {
    if (!(usd > 0) || !Number.isFinite(usd)) return;
    for (const period of CAP_PERIODS) {
      const { periodId: id, expiresAt } = periodCounter(period, now);
      this.add(agentDollars(agent), id, expiresAt, usd);
      this.add(teamDollars(team), id, expiresAt, usd);
    }
    if (this.timer === undefined) {
      this.timer = setTimeout(() => void this.flush(), this.options.flushMs);
      this.timer.unref();
    }
  }

  /** Write what is tallied in memory; resolves once it (and any earlier write) is done, failed writes reported. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const deltas = [...this.pending.values()];
    this.pending = new Map();
    if (deltas.length > 0) {
      this.writing = this.writing.then(() => this.options.counters.capAdd(deltas, capOpId())).then(
        () => undefined,
        (err: unknown) => this.options.onError(err),
      );
    }
    return this.writing;
  }

  /** Each agent's dollars today and this month, in `agents` order. */
  agents(agents: readonly string[], now: number): Promise<DollarsView[]> {
    return this.read(agents.map(agentDollars), now);
  }

  /** Each team's dollars today and this month (what its agents spent while in it), in `teams` order. */
  teams(teams: readonly string[], now: number): Promise<DollarsView[]> {
    return this.read(teams.map(teamDollars), now);
  }

  private async read(scopes: readonly string[], now: number): Promise<DollarsView[]> {
    await this.flush();
    const [day, month] = CAP_PERIODS.map((p) => periodId(p, now));
    const keys: CapCounterKey[] = scopes.flatMap((scope) => [
      { scope, periodId: day! },
      { scope, periodId: month! },
    ]);
    const states = keys.length === 0 ? [] : await this.options.counters.capCounters(keys);
    return scopes.map((_, i) => ({ usdToday: states[2 * i]?.used ?? 0, usdThisMonth: states[2 * i + 1]?.used ?? 0 }));
  }

  private add(scope: string, id: string, expiresAt: number, usd: number): void {
    const key = capKey({ scope, periodId: id });
    const p = this.pending.get(key);
    if (p !== undefined) p.used += usd;
    else this.pending.set(key, { scope, periodId: id, used: usd, reserved: 0, expiresAt });
  }
}
