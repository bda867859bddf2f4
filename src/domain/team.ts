/** The team of an agent that no configured team matches (DESIGN §9). */
export const DEFAULT_TEAM = 'default';

/** Resolves an agent's team; the app builds one from config `teams`, until then every agent is in `DEFAULT_TEAM`. */
export type TeamOf = (agent: string) => string;

export const everyoneInDefaultTeam: TeamOf = () => DEFAULT_TEAM;
