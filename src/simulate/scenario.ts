import { AGENT_ID_PATTERN, AGENT_ID_RULE } from '../domain/agent-id.js';
import { z } from 'zod';
import { TokenNinjaError } from '../errors/errors.js';
import { PRIORITIES } from '../domain/priority.js';
import { UNITS } from '../domain/unit.js';
import { configSchema } from '../config/schema.js';
import { createPriceBook } from '../pricing/price-book.js';

const burstSchema = z.strictObject({
  /** Chance per hour that a burst starts. */
  probabilityPerHour: z.number().min(0).max(60),
  /** Demand multiplier while it lasts. */
  multiplier: z.number().min(1),
  minutes: z.number().positive(),
});

/** Tricks an agent plays on the proxy (docs/allocation.md "What tricks buy"); none by default. */
const behaviourSchema = z.strictObject({
  /** It never reports a task. */
  silent: z.boolean().default(false),
  /** On every request it claims this class and/or a deadline this many seconds away, whatever its work. */
  claims: z
    .strictObject({
      class: z.enum(PRIORITIES).optional(),
      deadlineSeconds: z.number().positive().optional(),
    })
    .optional(),
  /** It starts over under a fresh agent id this often. */
  rotatesIdsEveryMinutes: z.number().positive().optional(),
  /** Its SDK re-sends each refused request this many times. */
  retries: z.number().int().min(0).max(10).default(0),
});

const agentSchema = z.strictObject({
  id: z.string().regex(AGENT_ID_PATTERN, AGENT_ID_RULE),
  class: z.enum(PRIORITIES).default('normal'),
  /** Hidden truth: mean tokens a task takes (each task draws 0.5–1.5 × this). */
  tokensPerTask: z.number().positive(),
  /** Hidden truth: mean quality of its results, 0–1. */
  quality: z.number().min(0).max(1),
  /** Mean demand of its own tasks, before cycles and bursts. */
  demandTokensPerMinute: z.number().min(0),
  /** Daily cycle: demand × (1 + amplitude × cos(2π (hour − peakHour) / 24)). */
  dailyAmplitude: z.number().min(0).max(1).default(0),
  peakHour: z.number().min(0).max(24).default(14),
  /** Demand multiplier on Saturdays and Sundays (day 0 of a run is a Monday). */
  weekendFactor: z.number().min(0).default(1),
  burst: burstSchema.optional(),
  /** Hour of the run at which it first appears. */
  joinsAtHour: z.number().min(0).default(0),
  /** Its tasks are due this many minutes after they arrive. */
  deadlineMinutes: z.number().positive().optional(),
  /** Each task it completes creates one task for this agent (a dependency chain). */
  feeds: z.string().optional(),
  /** Its most tokens in flight per minute (concurrency); default 3 × demand. */
  maxTokensPerMinute: z.number().positive().optional(),
  /** The shortest time a task takes: its requests are spread over at least this many minutes. */
  taskMinutes: z.number().positive().default(5),
  /** A task still unfinished this long after arriving is abandoned. */
  maxWaitMinutes: z.number().positive().default(60),
  /** Noise in the quality it reports about itself (standard deviation). */
  reportNoise: z.number().min(0).max(1).default(0.05),
  /** Mean delay of a task report after the task is done (exponentially distributed); 0 reports at once. */
  reportLateMinutes: z.number().min(0).default(0),
  /** Share of its completed tasks it never reports. */
  reportMissingShare: z.number().min(0).max(1).default(0),
  /** Daily drift of its true quality: quality × (1 + amplitude × cos(2π (hour − qualityPeakHour) / 24)), at most 1. */
  qualityDailyAmplitude: z.number().min(0).max(1).default(0),
  qualityPeakHour: z.number().min(0).max(24).default(14),
  behaviour: behaviourSchema.prefault({}),
  /** The model its requests name (priced by the price book); default: the scenario's `model`. */
  model: z.string().min(1).optional(),
  /** Share of its tokens that are output (the rest input): what a token costs at its model's prices. */
  outputShare: z.number().min(0).max(1).default(0.2),
});

/** A simulated fleet (the JSON file format of `token-ninja simulate --scenario`, documented in docs/allocation.md). */
export const scenarioSchema = z
  .strictObject({
    name: z.string().default('custom'),
    days: z.number().positive().max(60),
    /** The reallocation tick (the proxy's default: 30). */
    tickSeconds: z.number().int().min(10).max(3600).default(30),
    /** The pool every policy shares (unit `tokens`). */
    tokensPerMinute: z.number().positive(),
    /** The unit budgets are kept in, as the proxy's config `unit`: `usd` when `usdPerMinute` is set, else `tokens`, unless given. */
    unit: z.enum(UNITS).optional(),
    /** The pool in dollars per minute (unit `usd`); default: what `tokensPerMinute` costs at the fleet's demand mix. */
    usdPerMinute: z.number().positive().optional(),
    /** The model of agents that name none. */
    model: z.string().min(1).default('gpt-4o-mini'),
    /** Price overrides per model over the shipped price book, as the proxy's config `prices`. */
    prices: configSchema.shape.prices,
    /** Days of unthrottled history the static historic split is computed from. */
    historyDays: z.number().positive().max(14).default(2),
    /** Allocation policy settings for the dynamic engine (pool and tick come from above). */
    policy: z.record(z.string(), z.unknown()).default({}),
    /** The lowest class that may draw on the burst buffer (the proxy's default: high). */
    burstMinClass: z.enum(PRIORITIES).default('high'),
    /** Points per hour in the chart. */
    chartPointsPerHour: z.number().int().min(1).max(60).default(1),
    agents: z.array(agentSchema).min(1).max(1000),
  })
  .superRefine((s, ctx) => {
    const ids = new Set<string>();
    for (const [i, a] of s.agents.entries()) {
      if (ids.has(a.id)) ctx.addIssue({ code: 'custom', path: ['agents', i, 'id'], message: `duplicate agent id "${a.id}"` });
      ids.add(a.id);
    }
    for (const [i, a] of s.agents.entries()) {
      if (a.feeds !== undefined && !ids.has(a.feeds)) ctx.addIssue({ code: 'custom', path: ['agents', i, 'feeds'], message: `feeds unknown agent "${a.feeds}"` });
    }
    // An unpriced model would be charged the default price: in a scenario that is a typo, not a fallback.
    const book = createPriceBook(s.prices);
    const unpriced = (model: string) => `no price for model "${model}": name one the price book has, or add it to prices`;
    if (!book.priceOf(s.model).priced) ctx.addIssue({ code: 'custom', path: ['model'], message: unpriced(s.model) });
    for (const [i, a] of s.agents.entries()) {
      if (a.model !== undefined && !book.priceOf(a.model).priced) ctx.addIssue({ code: 'custom', path: ['agents', i, 'model'], message: unpriced(a.model) });
    }
  });

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioAgent = Scenario['agents'][number];
export type AgentBehaviour = ScenarioAgent['behaviour'];
/** A scenario as written in a file: every defaulted field optional. */
export type ScenarioInput = z.input<typeof scenarioSchema>;

/** A scenario file that does not match the format; the message names the field. */
export class ScenarioError extends TokenNinjaError {
  constructor(message: string, cause?: unknown) {
    super('SIMULATE_SCENARIO_INVALID', 400, message, { cause });
  }
}

/** Validate a parsed JSON scenario (unknown keys refused by name) and fill in defaults. */
export function parseScenario(json: unknown): Scenario {
  const r = scenarioSchema.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0];
    const where = first === undefined || first.path.length === 0 ? 'scenario' : first.path.join('.');
    throw new ScenarioError(`invalid scenario: ${where}: ${first?.message ?? 'invalid'}`, r.error);
  }
  return r.data;
}
