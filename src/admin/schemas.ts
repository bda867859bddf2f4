import { AGENT_ID_PATTERN, AGENT_ID_RULE } from '../domain/agent-id.js';
import { z } from 'zod';
import { priorityClass } from '../config/schema.js';

/** A task id: any short printable string (it is stored, never a label). */
const taskId = z.string().min(1).max(256);

/** Body of a task outcome as an agent reports it about itself (`POST /token-ninja/v1/tasks` on the agents' port). */
export const taskOutcomeBodySchema = z.strictObject({
  task: taskId,
  completed: z.boolean(),
  quality: z.number().min(0).max(1).optional(),
});

/** Body of `POST /v1/tasks` on the admin port: the same plus the agent it is about. */
export const adminTaskBodySchema = taskOutcomeBodySchema.extend({
  agent: z.string().regex(AGENT_ID_PATTERN, AGENT_ID_RULE),
});

/** Longest override expiry accepted through ttlSeconds: one year. */
const MAX_TTL_SECONDS = 365 * 24 * 3600;

/** Body of `PUT /v1/overrides/{agentId}`: expiry as an absolute time or a time to live, not both. */
export const overrideBodySchema = z
  .strictObject({
    /** The rate in the budget's unit: `tokensPerMinute` for tokens, `usdPerMinute` for usd. */
    tokensPerMinute: z.number().finite().min(0).optional(),
    usdPerMinute: z.number().finite().min(0).optional(),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
    ttlSeconds: z.number().positive().max(MAX_TTL_SECONDS).optional(),
    reason: z.string().max(500).optional(),
  })
  .refine((b) => (b.tokensPerMinute === undefined) !== (b.usdPerMinute === undefined), {
    message: 'give tokensPerMinute or usdPerMinute (the budget\'s unit), exactly one',
    path: ['tokensPerMinute'],
  })
  .refine((b) => b.expiresAt === undefined || b.ttlSeconds === undefined, {
    message: 'give expiresAt or ttlSeconds, not both',
    path: ['ttlSeconds'],
  });

/** Body of `PUT /v1/agents/{id}/policy`: at least one field (`DELETE` clears the policy). */
export const agentPolicyBodySchema = z
  .strictObject({ criticality: priorityClass.optional(), ceiling: priorityClass.optional() })
  .refine((b) => b.criticality !== undefined || b.ceiling !== undefined, { message: 'give criticality, ceiling or both (DELETE clears the policy)' });

export type AdminTaskBody = z.infer<typeof adminTaskBodySchema>;
export type OverrideBody = z.infer<typeof overrideBodySchema>;
