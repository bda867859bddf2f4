import { DEFAULT_TEAM } from '../domain/team.js';
import { fillWithHeadroom, type HeadroomFill } from './headroom-fill.js';
import { perTick } from './policy.js';
import type { AgentInput, AllocationPolicy } from './types.js';

/** The teams of one tick (DESIGN §9): names sorted, `default` always among them, and each agent's team. */
export interface TeamLayer {
  readonly names: readonly string[];
  readonly strict: Uint8Array;
  /** Configured share of the teamable pool per team (NaN: none). */
  readonly share: Float64Array;
  /** Configured fixed part per team, tokens per tick (NaN: none). */
  readonly perTick: Float64Array;
  /** Per agent, in the order given: index into `names`. */
  readonly teamOf: Int32Array;
}

/** The team layer of a tick, or undefined when `policy.teams` configures none (the engine then runs as one pool). */
export function teamLayer(policy: AllocationPolicy, agents: readonly AgentInput[]): TeamLayer | undefined {
  const teams = policy.teams;
  if (teams === undefined || Object.keys(teams).length === 0) return undefined;
  const names = [...new Set([...Object.keys(teams), DEFAULT_TEAM])].sort();
  const indexOf = new Map(names.map((t, i) => [t, i]));
  const nt = names.length;
  const strict = new Uint8Array(nt);
  const share = new Float64Array(nt).fill(Number.NaN);
  const fixed = new Float64Array(nt).fill(Number.NaN);
  for (let t = 0; t < nt; t++) {
    const p = Object.hasOwn(teams, names[t] as string) ? teams[names[t] as string] : undefined;
    if (p === undefined) continue;
    strict[t] = p.strict ? 1 : 0;
    if (p.share !== undefined) share[t] = Math.max(0, p.share);
    else if (p.tokensPerMinute !== undefined) fixed[t] = Math.max(0, perTick(policy, p.tokensPerMinute));
  }
  const defaultIndex = indexOf.get(DEFAULT_TEAM) as number;
  const teamOf = new Int32Array(agents.length);
  for (let i = 0; i < agents.length; i++) {
    const team = (agents[i] as AgentInput).team;
    teamOf[i] = team === undefined ? defaultIndex : (indexOf.get(team) ?? defaultIndex);
  }
  return { names, strict, share, perTick: fixed, teamOf };
}

/** The agents' fill, with each team's fill part and its fixed part (tokens per tick, NaN: none) after scaling. */
export interface TeamFill extends HeadroomFill {
  /** Per team: its part of the fill (a strict team: all it was entitled to; else what its agents ended with). */
  parts: Float64Array;
  fixedParts: Float64Array;
}

/** The claimants of one water-filling, as parallel columns (the engine's form). */
export interface FillColumns {
  weights: Float64Array;
  los: Float64Array;
  his: Float64Array;
  forecastHis: Float64Array;
}

/**
 * Shares `total` (the pool the scored agents fill) team by team (DESIGN §9). Teams with a fixed part get it
 * (less what their agents hold outside the fill, `held`: overrides and baselines), all fixed parts scaled down
 * together when they exceed the teamable pool (`total` + Σ held); the rest goes to the other teams by the same
 * weighted water-filling as agents, on team aggregates (Σ weight, Σ floor, Σ cap). Each team's part is then
 * filled among its agents as the engine fills the whole pool. What a non-strict team leaves unused, and what
 * no team without a fixed part could use, flows once to the non-strict teams that used all theirs; a strict
 * team's agents never get more than its part, and what it leaves stays unallocated (the burst buffer).
 * Floors come first: a team's part never goes below Σ of its agents' floors.
 */
export function fillByTeam(layer: TeamLayer, itemTeam: Int32Array, held: Float64Array, columns: FillColumns, total: number, floor: number, slackOnly: boolean): TeamFill {
  const nt = layer.names.length;
  const m = itemTeam.length;
  const members: number[][] = Array.from({ length: nt }, () => []);
  for (let k = 0; k < m; k++) members[itemTeam[k] as number]?.push(k);
  // Team aggregates, summed in item (id) order so the split does not depend on input order.
  const W = new Float64Array(nt);
  const LO = new Float64Array(nt);
  const HI = new Float64Array(nt);
  const FHI = new Float64Array(nt);
  for (let k = 0; k < m; k++) {
    const t = itemTeam[k] as number;
    W[t] = (W[t] as number) + (columns.weights[k] as number);
    LO[t] = (LO[t] as number) + (columns.los[k] as number);
    HI[t] = (HI[t] as number) + (columns.his[k] as number);
    FHI[t] = (FHI[t] as number) + (columns.forecastHis[k] as number);
  }
  let heldTotal = 0;
  for (let t = 0; t < nt; t++) heldTotal += held[t] as number;
  const fixedParts = scaledFixedParts(layer, total + heldTotal);

  const entitled = new Float64Array(nt);
  let fixedLo = 0;
  let fixedExtra = 0;
  let freeLo = 0;
  for (let t = 0; t < nt; t++) {
    if (Number.isNaN(fixedParts[t])) {
      freeLo += LO[t] as number;
      continue;
    }
    entitled[t] = Math.max(LO[t] as number, (fixedParts[t] as number) - (held[t] as number));
    fixedLo += LO[t] as number;
    fixedExtra += (entitled[t] as number) - (LO[t] as number);
  }
  // Floors of every team fit (the engine scaled them); above them, fixed parts give way together.
  const room = Math.max(0, total - freeLo - fixedLo);
  if (fixedExtra > room) {
    for (let t = 0; t < nt; t++) {
      if (!Number.isNaN(fixedParts[t])) entitled[t] = (LO[t] as number) + ((entitled[t] as number) - (LO[t] as number)) * (room / fixedExtra);
    }
  }
  let fixedTotal = 0;
  for (let t = 0; t < nt; t++) if (!Number.isNaN(fixedParts[t])) fixedTotal += entitled[t] as number;
  const free: number[] = [];
  for (let t = 0; t < nt; t++) if (Number.isNaN(fixedParts[t])) free.push(t);
  const rest = Math.max(0, total - fixedTotal);
  const split = fillWithHeadroom(pick(W, free), pick(LO, free), pick(HI, free), pick(FHI, free), Math.max(rest, sum(pick(LO, free))), 0, slackOnly);
  free.forEach((t, j) => (entitled[t] = split.amounts[j] as number));

  const amounts = new Float64Array(m);
  const bound = new Uint8Array(m);
  const caps = new Float64Array(m);
  const fillTeam = (t: number, teamTotal: number): number => {
    const ks = members[t] as number[];
    const f = fillWithHeadroom(pick(columns.weights, ks), pick(columns.los, ks), pick(columns.his, ks), pick(columns.forecastHis, ks), teamTotal, floor, slackOnly);
    let used = 0;
    ks.forEach((k, j) => {
      amounts[k] = f.amounts[j] as number;
      bound[k] = f.bound[j] as number;
      caps[k] = f.caps[j] as number;
      used += f.amounts[j] as number;
    });
    return used;
  };
  const parts = new Float64Array(nt);
  let unused = Math.max(0, rest - sum(split.amounts));
  const receivers: number[] = [];
  for (let t = 0; t < nt; t++) {
    const used = fillTeam(t, entitled[t] as number);
    if (layer.strict[t] === 1) {
      parts[t] = entitled[t] as number;
      continue;
    }
    parts[t] = used;
    unused += Math.max(0, (entitled[t] as number) - used);
    if (used >= (entitled[t] as number) * (1 - 1e-12) && (HI[t] as number) > used) receivers.push(t);
  }
  if (unused > total * 1e-12 && receivers.length > 0) {
    const before = pick(parts, receivers);
    const flow = fillWithHeadroom(pick(W, receivers), before, pick(HI, receivers), before.map((u, j) => Math.max(u, FHI[receivers[j] as number] as number)), sum(before) + unused, 0, slackOnly);
    receivers.forEach((t, j) => {
      if ((flow.amounts[j] as number) > (before[j] as number)) parts[t] = fillTeam(t, flow.amounts[j] as number);
    });
  }
  return { amounts, bound, caps, parts, fixedParts };
}

/** Fixed parts in tokens per tick (shares of `teamable`), scaled down together when they exceed it. NaN: none. */
function scaledFixedParts(layer: TeamLayer, teamable: number): Float64Array {
  const nt = layer.names.length;
  const parts = new Float64Array(nt).fill(Number.NaN);
  let wanted = 0;
  for (let t = 0; t < nt; t++) {
    const share = layer.share[t] as number;
    const fixed = Number.isNaN(share) ? (layer.perTick[t] as number) : share * teamable;
    if (Number.isNaN(fixed)) continue;
    parts[t] = fixed;
    wanted += fixed;
  }
  if (wanted > teamable && wanted > 0) for (let t = 0; t < nt; t++) if (!Number.isNaN(parts[t])) parts[t] = ((parts[t] as number) * teamable) / wanted;
  return parts;
}

function pick(column: Float64Array, indices: readonly number[]): Float64Array {
  const out = new Float64Array(indices.length);
  for (let j = 0; j < indices.length; j++) out[j] = column[indices[j] as number] as number;
  return out;
}

function sum(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}
