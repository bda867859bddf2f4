import { AGENT_ID_PATTERN, AGENT_ID_RULE } from '../domain/agent-id.js';
import { z } from 'zod';
import { DEFAULT_ALLOCATION_POLICY } from '../allocation/policy.js';
import { PRIORITIES } from '../domain/priority.js';
import { UNITS } from '../domain/unit.js';
import { CAP_ACTIONS, CAP_PERIODS } from '../domain/cap-rule.js';
import { parseStoreSpec } from '../store/store-spec.js';

const agentId = z.string().regex(AGENT_ID_PATTERN, AGENT_ID_RULE);
/** A priority class as a config value (the classes: src/domain/priority.ts). */
export const priorityClass = z.enum(PRIORITIES);

const httpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL')
  .transform((u) => u.replace(/\/+$/, ''));

// Checked by the parser that opens the store, so a spec that passes here opens (or fails only to connect).
const storeSpec = z.string().superRefine((s, ctx) => {
  try {
    parseStoreSpec(s);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

/** An HTTP header name (RFC 9110 token). */
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be an HTTP header name');

/** DESIGN §9 alerts: where they go and what raises them (absent: no alerts). */
const alerts = z
  .object({
    /** Receives one JSON POST per alert; its query and userinfo (secrets, often) are never logged. */
    webhook: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL'),
    /** Fractions of a cap's limit that raise an alert when usage crosses them. */
    thresholds: z
      .array(z.number().gt(0).max(1))
      .min(1)
      .refine((t) => t.every((v, i) => i === 0 || v > (t[i - 1] as number)), 'must be strictly ascending')
      .default([0.8, 0.95, 1.0]),
    /** An agent throttled (refused or queued) for longer than this raises an alert; fractions allowed. */
    throttledMinutes: z.number().positive().default(10),
    /** Extra request headers for the webhook (an authorization header, say); never logged. */
    headers: z.record(headerName, z.string()).default({}),
  })
  .strict();

/** How the proxy connects to one upstream. */
const upstreamPool = z
  .object({
    /** Most HTTP/1.1 connections kept to the upstream (with HTTP/2: sessions). */
    connections: z.number().int().positive().default(256),
    /** Offer HTTP/2 in the TLS handshake (https upstreams); many requests then share one connection. */
    allowH2: z.boolean().default(false),
  })
  .strict()
  .default({ connections: 256, allowH2: false });

/** A price in USD per million tokens. */
const usdPerMillion = z.number().min(0);

/** One model's prices in config `prices` (DESIGN §9); a key left out keeps the book's value. */
const priceRates = z
  .object({
    input: usdPerMillion.optional(),
    output: usdPerMillion.optional(),
    cachedInput: usdPerMillion.optional(),
    cacheWrite5m: usdPerMillion.optional(),
    cacheWrite1h: usdPerMillion.optional(),
    reasoning: usdPerMillion.optional(),
  })
  .strict();

/** An agent id, or a glob of one (`*` any run of characters, `?` one character). */
const agentPattern = z.string().regex(/^[A-Za-z0-9._*?-]{1,64}$/, 'must be an agent id or a glob of one ([A-Za-z0-9._-], * and ?), 1–64 characters');

/** A team (DESIGN §9): a share of the pool, or a fixed rate in the budget's unit (`tokensPerMinute` or `usdPerMinute`). */
const team = z
  .object({
    agents: z.array(agentPattern).default([]),
    /** Fraction of the pool left after the burst and newcomer reserves. */
    share: z.number().min(0).max(1).optional(),
    tokensPerMinute: z.number().positive().optional(),
    usdPerMinute: z.number().positive().optional(),
    strict: z.boolean().default(false),
  })
  .strict()
  .refine((t) => [t.share, t.tokensPerMinute, t.usdPerMinute].filter((v) => v !== undefined).length <= 1, {
    message: 'set one of share, tokensPerMinute and usdPerMinute',
    path: ['share'],
  });

/** Teams by name, matched in config order (the first team naming an agent wins); shares sum to at most 1. */
const teams = z
  .record(
    z
      .string()
      .regex(AGENT_ID_PATTERN, AGENT_ID_RULE)
      // Digit-only keys would lose their config order in a JavaScript object, and the order decides overlaps.
      .refine((name) => !/^\d+$/.test(name), 'must not be digits only'),
    team,
  )
  .superRefine((all, ctx) => {
    const shares = Object.values(all).reduce((sum, t) => sum + (t.share ?? 0), 0);
    if (shares > 1 + 1e-9) ctx.addIssue({ code: 'custom', message: `shares sum to ${shares}, more than 1` });
  })
  .default({});

/** DESIGN §9 period caps; one cap per (scope, period). */
const caps = z
  .array(
    z
      .object({
        scope: z.string().regex(/^(fleet|team:[A-Za-z0-9._-]{1,64}|agent:[A-Za-z0-9._-]{1,64})$/, 'must be fleet, team:<name> or agent:<id> (names and ids match [A-Za-z0-9._-]{1,64})'),
        period: z.enum(CAP_PERIODS),
        /** In the budget's unit (tokens, or dollars with unit usd). */
        limit: z.number().positive(),
        action: z.enum(CAP_ACTIONS).default('block'),
      })
      .strict(),
  )
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((c, i) => {
      const key = `${c.scope} ${c.period}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [i, 'scope'], message: `a second ${c.period} cap for ${c.scope}: one cap per scope and period` });
      seen.add(key);
    });
  })
  .default([]);

/** The whole configuration. Unknown keys are refused by name (`strict`). */
export const configSchema = z
  .object({
    port: z.number().int().min(0).max(65535).default(8080),
    adminPort: z.number().int().min(0).max(65535).default(8081),
    host: z.string().min(1).default('127.0.0.1'),
    openaiUrl: httpUrl.default('https://api.openai.com'),
    anthropicUrl: httpUrl.default('https://api.anthropic.com'),
    upstreams: z
      .object({ openai: upstreamPool, anthropic: upstreamPool })
      .strict()
      .default({ openai: { connections: 256, allowH2: false }, anthropic: { connections: 256, allowH2: false } }),
    /** Injected upstream keys: used when the client sends none, and in place of a key from `apiKeys`. */
    openaiApiKey: z.string().min(1).optional(),
    anthropicApiKey: z.string().min(1).optional(),
    /** Beyond loopback, spend a configured provider key also for callers without a key from `apiKeys` (open relay). */
    allowUnauthenticated: z.boolean().default(false),
    tokensPerMinute: z.number().positive().default(1_000_000),
    /** The unit budgets are kept in (DESIGN §9): `usd` when `usdPerMinute` is set, else `tokens`, unless given. */
    unit: z.enum(UNITS).optional(),
    /** The pool in dollars per minute (unit `usd`). */
    usdPerMinute: z.number().positive().optional(),
    reallocateSeconds: z.number().positive().max(3600).default(30),
    store: storeSpec.default('sqlite:./data/token-ninja.db'),
    storeFlushMs: z.number().int().positive().default(1000),
    storeFailure: z.enum(['open', 'closed']).default('open'),
    adminToken: z.string().min(1).optional(),
    agent: agentId.optional(),
    requireAgent: z.boolean().default(false),
    /** API-key → agent map, keys given as sha256 hex of the key (never in clear). */
    apiKeys: z
      .array(z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex chars'), agent: agentId }).strict())
      .default([]),
    mode: z.enum(['enforce', 'observe']).default('enforce'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    maxBodyBytes: z.number().int().positive().default(32 * 1024 * 1024),
    upstreamTimeoutMs: z.number().int().positive().default(600_000),
    drainTimeoutMs: z.number().int().min(0).default(30_000),
    maxAgentLabels: z.number().int().positive().default(1000),
    defaultOutputTokens: z.number().int().min(0).default(512),
    /** Lower a request's max tokens to what its agent can afford (off by default). */
    clampMaxTokens: z.boolean().default(false),
    counting: z
      .object({
        cachedInputWeight: z.number().min(0).max(1).default(1),
        countReasoning: z.boolean().default(true),
      })
      .strict()
      .default({ cachedInputWeight: 1, countReasoning: true }),
    priority: z
      .object({
        classWeights: z
          .object({ critical: z.number().positive(), high: z.number().positive(), normal: z.number().positive(), low: z.number().positive() })
          .strict()
          .default({ critical: 4, high: 2, normal: 1, low: 0.5 }),
        /** Task type (x-token-ninja-task-type) → class. */
        taskTypes: z.record(z.string().min(1), priorityClass).default({}),
        /** Highest class each agent may claim (header, task type, or what the engine weighs); `*` sets the default ceiling. */
        ceilings: z.record(z.union([agentId, z.literal('*')]), priorityClass).default({ '*': 'high' }),
        /** Bound of the deadline factor (a deadline claimed due now weighs this much). */
        maxDeadlineFactor: z.number().min(1).default(2),
        /** Bound of the dependency factor (tasks claimed blocked on this one). */
        maxDependencyFactor: z.number().min(1).default(2),
      })
      .strict()
      .default({ classWeights: { critical: 4, high: 2, normal: 1, low: 0.5 }, taskTypes: {}, ceilings: { '*': 'high' }, maxDeadlineFactor: 2, maxDependencyFactor: 2 }),
    /** Operator-set policy per agent (DESIGN §8): its class when it claims none, and its own ceiling. */
    agents: z.record(agentId, z.object({ criticality: priorityClass.optional(), ceiling: priorityClass.optional() }).strict()).default({}),
    queue: z
      .object({
        maxWaitMs: z.number().int().min(0).default(30_000),
        maxDepth: z.number().int().min(0).default(10_000),
      })
      .strict()
      .default({ maxWaitMs: 30_000, maxDepth: 10_000 }),
    burst: z
      .object({
        minPriority: priorityClass.default('high'),
        minFraction: z.number().min(0).max(1).default(0.02),
        maxFraction: z.number().min(0).max(1).default(0.1),
        volatilityMultiplier: z.number().min(0).default(1),
      })
      .strict()
      .refine((b) => b.minFraction <= b.maxFraction, 'minFraction must not exceed maxFraction')
      .default({ minPriority: 'high', minFraction: 0.02, maxFraction: 0.1, volatilityMultiplier: 1 }),
    baseline: z
      .object({ tokensPerMinute: z.number().positive().optional(), usdPerMinute: z.number().positive().optional() })
      .strict()
      .default({}),
    calibration: z
      .object({
        minTasks: z.number().int().min(0).default(3),
        minTokens: z.number().int().min(0).default(20_000),
        minSeconds: z.number().min(0).default(600),
        /** Unit `usd`: the spend that ends calibration, in place of `minTokens`. */
        minUsd: z.number().min(0).default(0.05),
      })
      .strict()
      .default({ minTasks: 3, minTokens: 20_000, minSeconds: 600, minUsd: 0.05 }),
    /** Forecast window weights (renormalised over the windows an agent has); `recent: 0` is DESIGN §6.1's formula. */
    demandWeights: z
      .object({
        recent: z.number().min(0).default(DEFAULT_ALLOCATION_POLICY.demandWeights.recent),
        lastHour: z.number().min(0).default(DEFAULT_ALLOCATION_POLICY.demandWeights.lastHour),
        sameHourYesterday: z.number().min(0).default(DEFAULT_ALLOCATION_POLICY.demandWeights.sameHourYesterday),
        sameHourLastWeek: z.number().min(0).default(DEFAULT_ALLOCATION_POLICY.demandWeights.sameHourLastWeek),
      })
      .strict()
      .refine((w) => w.recent + w.lastHour + w.sameHourYesterday + w.sameHourLastWeek > 0, 'at least one weight must be positive')
      .default(() => ({ ...DEFAULT_ALLOCATION_POLICY.demandWeights })),
    /** DESIGN §8: the part of the pool set aside each tick for agents the table does not name yet. */
    newcomers: z
      .object({ reserveFraction: z.number().min(0).max(1).default(0.1) })
      .strict()
      .default({ reserveFraction: 0.1 }),
    /** Price overrides and additions per model name over the shipped price book; `default` prices models nothing names. */
    prices: z.record(z.string().min(1), priceRates).default({}),
    headroom: z.number().min(0).default(0.25),
    floorTokensPerMinute: z.number().min(0).default(1000),
    /** Unit `usd`: the floor in dollars per minute (default: a thousandth of `usdPerMinute`). */
    floorUsdPerMinute: z.number().min(0).optional(),
    scoringWindowSeconds: z.number().positive().default(3600),
    trustSelfReportedQuality: z.number().min(0).max(1).default(1),
    alerts: alerts.optional(),
    teams,
    caps,
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.unit === 'usd' && c.usdPerMinute === undefined) ctx.addIssue({ code: 'custom', path: ['usdPerMinute'], message: 'required when unit is usd (the pool in dollars per minute)' });
    if (c.unit === 'tokens' && c.usdPerMinute !== undefined) ctx.addIssue({ code: 'custom', path: ['usdPerMinute'], message: 'set, but unit is tokens: remove it or set unit: usd' });
    // A team's fixed rate is in the budget's unit; the other unit's key would be silently ignored.
    const usd = c.unit === 'usd' || (c.unit === undefined && c.usdPerMinute !== undefined);
    for (const [name, t] of Object.entries(c.teams)) {
      const wrong = usd ? (t.tokensPerMinute !== undefined ? 'tokensPerMinute' : undefined) : t.usdPerMinute !== undefined ? 'usdPerMinute' : undefined;
      if (wrong !== undefined) ctx.addIssue({ code: 'custom', path: ['teams', name, wrong], message: `the budget's unit is ${usd ? 'usd' : 'tokens'}: use ${usd ? 'usdPerMinute' : 'tokensPerMinute'}` });
    }
  });

/** The `alerts` section, validated. */
export type AlertsConfig = z.output<typeof alerts>;

export type ConfigInput = z.input<typeof configSchema>;
/** The validated, frozen configuration passed inward. */
export type Config = Readonly<z.output<typeof configSchema>>;
