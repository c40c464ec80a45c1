import { z } from 'zod';
import { runStates } from './run.ts';

/**
 * What `POST /v1/runs` accepts. The same schema validates requests and describes them in
 * `/v1/openapi.json`, and its messages are the ones clients see.
 */
export const createRunSchema = z.strictObject({
  task: z
    .string({ error: 'task must be a string' })
    .min(1, 'task must not be empty')
    .max(10_000, 'task must be at most 10000 characters')
    .describe('The objective, in natural language.'),
  machine_id: z.string().min(1).max(100).default('local').describe('Where the run executes.'),
  cua_version: z
    .enum(['v3', 'v4'], { error: 'cua_version must be "v3" or "v4"' })
    .default('v3')
    .describe(
      'v3: the agent works until it says it is done. ' +
        'v4: an independent verifier must pass the result.',
    ),
  max_steps: z
    .number({ error: 'max_steps must be an integer from 1 to 1000' })
    .int('max_steps must be an integer from 1 to 1000')
    .min(1, 'max_steps must be an integer from 1 to 1000')
    .max(1000, 'max_steps must be an integer from 1 to 1000')
    .default(50),
  deadline_seconds: z
    .number({ error: 'deadline_seconds must be an integer from 1 to 86400' })
    .int('deadline_seconds must be an integer from 1 to 86400')
    .min(1, 'deadline_seconds must be an integer from 1 to 86400')
    .max(86_400, 'deadline_seconds must be an integer from 1 to 86400')
    .default(600),
  on_awaiting_human: z
    .enum(['pause', 'fail', 'cancel'], {
      error: 'on_awaiting_human must be "pause", "fail" or "cancel"',
    })
    .default('pause'),
  instructions: z.string().max(50_000).nullable().default(null),
  system_prompt: z.string().max(100_000).nullable().default(null),
  model: z
    .string()
    .min(3)
    .max(1000)
    .optional()
    .describe('provider:model; the daemon default when absent.'),
  max_cost_usd: z
    .number({ error: 'max_cost_usd must be a positive number' })
    .positive('max_cost_usd must be a positive number')
    .max(1_000_000)
    .nullable()
    .default(null),
  webhook_url: z
    .url({ protocol: /^https?$/, error: 'webhook_url must be an http or https URL' })
    .max(2000)
    .nullable()
    .default(null),
  metadata: z
    .record(
      z.string().max(100),
      z.string().max(1000, 'metadata values must be strings of at most 1000 characters'),
      {
        error: 'metadata must be an object of string keys to string values',
      },
    )
    .refine((value) => Object.keys(value).length <= 20, 'metadata may have at most 20 keys')
    .default({}),
});

export type CreateRunInput = z.infer<typeof createRunSchema>;

export const listRunsQuery = z.strictObject({
  state: z.enum(runStates, { error: `state must be one of ${runStates.join(', ')}` }).optional(),
  machine_id: z.string().min(1).max(100).optional(),
  limit: z.coerce
    .number({ error: 'limit must be an integer from 1 to 100' })
    .int('limit must be an integer from 1 to 100')
    .min(1, 'limit must be an integer from 1 to 100')
    .max(100, 'limit must be an integer from 1 to 100')
    .default(20),
  starting_after: z.string().min(1).max(100).optional(),
});

export const resumeRunSchema = z.strictObject({
  message: z.string().max(10_000, 'message must be at most 10000 characters').optional(),
});

export const eventsQuery = z.strictObject({
  after: z.coerce
    .number({ error: 'after must be a non-negative integer' })
    .int('after must be a non-negative integer')
    .min(0, 'after must be a non-negative integer')
    .optional(),
  limit: z.coerce
    .number({ error: 'limit must be an integer from 1 to 1000' })
    .int('limit must be an integer from 1 to 1000')
    .min(1, 'limit must be an integer from 1 to 1000')
    .max(1000, 'limit must be an integer from 1 to 1000')
    .default(100),
});
