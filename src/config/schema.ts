import { AGENT_ID_PATTERN, AGENT_ID_RULE } from '../domain/agent-id.js';
import { z } from 'zod';
import { DEFAULT_ALLOCATION_POLICY } from '../allocation/policy.js';
import { PRIORITIES } from '../domain/priority.js';
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

/** DESIGN §9 period caps; one cap per (scope, period). */
const caps = z
  .array(
    z
      .object({
        scope: z.string().regex(/^(fleet|team:[A-Za-z0-9._-]{1,64}|agent:[A-Za-z0-9._-]{1,64})$/, 'must be fleet, team:<name> or agent:<id> (names and ids match [A-Za-z0-9._-]{1,64})'),
        period: z.enum(CAP_PERIODS),
        /** In the pool's unit (tokens). */
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
      .object({ tokensPerMinute: z.number().positive().optional() })
      .strict()
      .default({}),
    calibration: z
      .object({
        minTasks: z.number().int().min(0).default(3),
        minTokens: z.number().int().min(0).default(20_000),
        minSeconds: z.number().min(0).default(600),
      })
      .strict()
      .default({ minTasks: 3, minTokens: 20_000, minSeconds: 600 }),
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
    headroom: z.number().min(0).default(0.25),
    floorTokensPerMinute: z.number().min(0).default(1000),
    scoringWindowSeconds: z.number().positive().default(3600),
    trustSelfReportedQuality: z.number().min(0).max(1).default(1),
    caps,
  })
  .strict();

export type ConfigInput = z.input<typeof configSchema>;
/** The validated, frozen configuration passed inward. */
export type Config = Readonly<z.output<typeof configSchema>>;
