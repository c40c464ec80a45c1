import { z } from 'zod';
import { RunError } from '../errors.ts';
import type { VerifyInput } from './vision-model.ts';

/**
 * The v4 judge's own instructions. It sees the task, the agent's claim and a fresh screenshot,
 * never the agent's reasoning, so it cannot be talked into agreeing.
 */
export const VERIFIER_SYSTEM_PROMPT = [
  'You check the work of a computer-use agent. You get the task it was given, the summary it ' +
    'wrote when it said it was done, and a screenshot of the screen taken just now.',
  'Decide from the screenshot, not from the summary, whether the task is complete. The summary ' +
    'only tells you where to look. If the screenshot does not show enough to confirm the task ' +
    'is done, it is not passed.',
  'Answer with a JSON object and nothing else: {"passed": true or false, "reason": "one or two ' +
    'sentences naming what you saw"}. When it is not passed, the reason tells the agent what is ' +
    'still missing or wrong.',
].join('\n\n');

export const verdictSchema = z.object({
  passed: z.boolean(),
  reason: z.string().min(1),
});

export type JudgeVerdict = z.infer<typeof verdictSchema>;

/** The verdict's JSON schema, for providers that can hold the answer to it. */
export const verdictJsonSchema = {
  type: 'object',
  properties: { passed: { type: 'boolean' }, reason: { type: 'string' } },
  required: ['passed', 'reason'],
  additionalProperties: false,
};

export function verifierQuestion(input: Pick<VerifyInput, 'task' | 'summary'>): string {
  return (
    `<task>\n${input.task}\n</task>\n\n<agent_summary>\n${input.summary}\n</agent_summary>\n\n` +
    'The screenshot below shows the screen now. Is the task complete?'
  );
}

const VERDICT_REMINDER = 'Answer only with the JSON object {"passed": boolean, "reason": string}.';

/** Reads a verdict from a model's text, tolerating a code fence or words around the object. */
export function parseVerdict(text: string): JudgeVerdict | null {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return null;
  try {
    const checked = verdictSchema.safeParse(JSON.parse(text.slice(start, end + 1)));
    return checked.success ? checked.data : null;
  } catch {
    return null;
  }
}

/**
 * Asks the judge for its verdict, and once more after an answer with none in it: `remind` adds
 * that answer and `reminder` to the conversation first. A second unreadable answer is a
 * `model_error`.
 */
export async function askForVerdict<Answer>(
  ask: () => Promise<Answer>,
  said: (answer: Answer) => string,
  remind: (answer: Answer, reminder: string) => void,
): Promise<JudgeVerdict> {
  for (let asked = 0; asked < 2; asked += 1) {
    const answer = await ask();
    const verdict = parseVerdict(said(answer));
    if (verdict) return verdict;
    remind(answer, VERDICT_REMINDER);
  }
  throw new RunError('model_error', 'the verifier did not answer with a pass/fail verdict');
}
