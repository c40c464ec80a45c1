import { createInterface } from 'node:readline';

export type InterruptAnswer = 'cancel' | 'continue' | 'detach';

/**
 * Asks on the terminal whether to cancel the run after a Ctrl+C. "y" cancels; anything else keeps
 * following; a second Ctrl+C, or a closed stdin (nobody there to answer), stops following and
 * leaves the run alone.
 */
export function askToCancel(runId: string): Promise<InterruptAnswer> {
  return new Promise((resolve) => {
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    let settled = false;
    const settle = (answer: InterruptAnswer) => {
      if (settled) return;
      settled = true;
      prompt.close();
      // A closed prompt leaves stdin paused but still holding the event loop open, which would
      // keep the CLI alive after the run has ended.
      process.stdin.unref();
      resolve(answer);
    };

    prompt.on('SIGINT', () => {
      process.stderr.write('\n');
      settle('detach');
    });
    prompt.on('close', () => settle('detach'));
    prompt.question(
      `\nCancel run ${runId}? [y/N] (Ctrl+C again to stop following and leave it running) `,
      (answer) => settle(/^\s*y(es)?\s*$/i.test(answer) ? 'cancel' : 'continue'),
    );
  });
}
