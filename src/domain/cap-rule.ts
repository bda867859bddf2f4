/** Periods a cap counts over (DESIGN §9): a UTC day, or a UTC calendar month. */
export const CAP_PERIODS = ['day', 'month'] as const;
export type CapPeriod = (typeof CAP_PERIODS)[number];

/** What reaching a cap does: refuse the scope's requests until the reset, or only feed alerts. */
export const CAP_ACTIONS = ['block', 'alert'] as const;
export type CapAction = (typeof CAP_ACTIONS)[number];

/**
 * One period cap (DESIGN §9) as config states it. `scope` is `fleet`, `team:<name>` or `agent:<id>`;
 * `limit` is in the pool's unit (tokens today), compared with what the ledger charges.
 */
export interface CapRule {
  scope: string;
  period: CapPeriod;
  limit: number;
  action: CapAction;
}

/** The scope every request falls in. */
export const FLEET_SCOPE = 'fleet';

/** The scope naming one team. */
export function teamScope(team: string): string {
  return `team:${team}`;
}

/** The scope naming one agent. */
export function agentScope(agent: string): string {
  return `agent:${agent}`;
}
