/** The units a budget can be kept in (config `unit`, DESIGN §9). */
export const UNITS = ['tokens', 'usd'] as const;
export type UnitName = (typeof UNITS)[number];

/** An amount rounded down as the unit is shown: whole tokens, or dollars to the micro-dollar. */
export function floorAmount(unit: UnitName, amount: number): number {
  return unit === 'tokens' ? Math.floor(amount) : Math.floor(amount * 1e6) / 1e6;
}
