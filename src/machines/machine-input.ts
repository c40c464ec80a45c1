import { z } from 'zod';

const launchItem = z.union([
  z.strictObject({
    command: z
      .array(z.string().min(1))
      .min(1)
      .describe('A program and its arguments; no shell is involved.'),
  }),
  z.strictObject({
    browser: z
      .url({ protocol: /^(https?|file)$/ })
      .describe('Chromium, kept local, showing this URL.'),
  }),
]);

export const createMachineSchema = z.strictObject({
  width: z
    .number()
    .int('width must be an integer from 320 to 7680')
    .min(320, 'width must be an integer from 320 to 7680')
    .max(7680, 'width must be an integer from 320 to 7680')
    .default(1280),
  height: z
    .number()
    .int('height must be an integer from 200 to 4320')
    .min(200, 'height must be an integer from 200 to 4320')
    .max(4320, 'height must be an integer from 200 to 4320')
    .default(800),
  window_manager: z
    .enum(['none', 'matchbox', 'openbox'], {
      error: 'window_manager must be "none", "matchbox" or "openbox"',
    })
    .default('none'),
  launch: z.array(launchItem).max(10).default([]),
});

export type CreateMachineInput = z.infer<typeof createMachineSchema>;
