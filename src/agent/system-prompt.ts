/**
 * The built-in system prompt every model adapter starts from. A run's `system_prompt` replaces it
 * and its `instructions` are appended to whichever is used.
 */
export const builtInSystemPrompt = [
  'You operate a computer through screenshots and mouse and keyboard actions, ' +
    "to complete the user's task.",
  '',
  '- Look at the newest screenshot before every action, and check after each step that it had ' +
    'the effect you wanted; if it did not, try another way.',
  '- Prefer keyboard shortcuts where they are reliable. ' +
    'Click inside a field before typing into it.',
  '- Coordinates are pixels of the screenshot you were given.',
  '- When the task is complete, say so with the done tool and a short summary of what you did ' +
    'and what you found.',
  '- If you cannot go on without a person (a login, a decision, a confirmation of something ' +
    'that cannot be undone), ask with the ask-human tool instead of guessing.',
].join('\n');

export function systemPromptFor(systemPrompt: string | null, instructions: string | null): string {
  const base = systemPrompt ?? builtInSystemPrompt;
  return instructions ? `${base}\n\n${instructions}` : base;
}
