import { z } from 'zod';
import { eventTypes } from '../events/event.ts';
import type { MachineInfo } from '../machines/machine.ts';
import { runStates, type Run } from '../runs/run.ts';

/**
 * Response shapes for the API reference. The TypeScript types the code uses are checked against
 * these below, so the reference cannot drift from what the daemon returns.
 */
const usage = z.object({
  steps: z.number().int(),
  model_calls: z.number().int(),
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  cache_read_input_tokens: z.number().int(),
  cache_creation_input_tokens: z.number().int(),
  cost_usd: z.number(),
});

const verdict = z.object({ passed: z.boolean(), reason: z.string() });

export const runObject = z
  .object({
    id: z.string(),
    object: z.literal('run'),
    state: z.enum(runStates),
    machine_id: z.string(),
    task: z.string(),
    cua_version: z.enum(['v3', 'v4']),
    model: z.string(),
    max_steps: z.number().int(),
    deadline_seconds: z.number().int(),
    on_awaiting_human: z.enum(['pause', 'fail', 'cancel']),
    instructions: z.string().nullable(),
    system_prompt: z.string().nullable(),
    max_cost_usd: z.number().nullable(),
    webhook_url: z.string().nullable(),
    metadata: z.record(z.string(), z.string()),
    steps_taken: z.number().int(),
    usage,
    awaiting_human: z
      .object({
        reason: z.enum(['agent_request', 'user_paused', 'user_input_detected']),
        message: z.string(),
        since: z.string(),
      })
      .nullable(),
    result: z.object({ summary: z.string(), verdict: verdict.nullable() }).nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    deadline_at: z.string(),
  })
  .meta({ id: 'Run' });

export const eventObject = z
  .object({
    seq: z.number().int(),
    type: z.enum(eventTypes),
    run_id: z.string(),
    created_at: z.string(),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'Event' });

export const machineObject = z
  .object({
    id: z.string(),
    object: z.literal('machine'),
    kind: z.enum(['local', 'virtual']),
    display: z.string().nullable(),
    width: z.number().int(),
    height: z.number().int(),
    state: z.enum(['ready', 'busy', 'lost']),
    current_run_id: z.string().nullable(),
    window_manager: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'Machine' });

export const errorObject = z
  .object({
    error: z.object({
      type: z.string(),
      code: z.string(),
      param: z.string().optional(),
      message: z.string(),
    }),
  })
  .meta({ id: 'Error' });

export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ object: z.literal('list'), data: z.array(item), has_more: z.boolean() });
}

// Compile-time checks that the code's types and the documented shapes agree, in both directions.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const runMatches: Same<Omit<Run, 'error'>, Omit<z.infer<typeof runObject>, 'error'>> = true;
const machineMatches: Same<MachineInfo, z.infer<typeof machineObject>> = true;
void runMatches;
void machineMatches;
