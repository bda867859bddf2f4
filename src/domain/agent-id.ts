/** Agent ids (DESIGN §3): what requests, config, metric labels, the admin API and scenarios accept. */
export const AGENT_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** The rule, as error messages state it. */
export const AGENT_ID_RULE = 'must match [A-Za-z0-9._-]{1,64}';
