import { Hono } from 'hono';
import { InvalidRequestError } from '../../errors.ts';
import type { RunService } from '../../runs/run-service.ts';
import { createRunSchema, listRunsQuery, resumeRunSchema } from '../../runs/run-input.ts';
import { parseJsonBody, parseQuery } from '../validation.ts';

const imageTypes = { png: 'image/png', jpeg: 'image/jpeg' } as const;

export function runRoutes(runs: RunService): Hono {
  const app = new Hono();

  app.post('/', async (c) => {
    const input = await parseJsonBody(c, createRunSchema);
    const key = c.req.header('idempotency-key');
    if (key !== undefined && (key.length === 0 || key.length > 255)) {
      throw new InvalidRequestError(
        'invalid_field',
        'Idempotency-Key must be 1 to 255 characters',
        {
          param: 'Idempotency-Key',
        },
      );
    }
    const { run, created } = await runs.create(input, key);
    return c.json(run, created ? 201 : 200);
  });

  app.get('/', async (c) => {
    const query = parseQuery(c, listRunsQuery);
    const page = await runs.list({
      limit: query.limit,
      ...(query.state ? { state: query.state } : {}),
      ...(query.machine_id ? { machineId: query.machine_id } : {}),
      ...(query.starting_after ? { startingAfter: query.starting_after } : {}),
    });
    return c.json({ object: 'list', data: page.runs, has_more: page.hasMore });
  });

  app.get('/:id', async (c) => c.json(await runs.get(c.req.param('id'))));

  app.post('/:id/cancel', async (c) => c.json(await runs.cancel(c.req.param('id'))));

  app.post('/:id/pause', async (c) => c.json(await runs.pause(c.req.param('id'))));

  app.post('/:id/resume', async (c) => {
    const body = await parseJsonBody(c, resumeRunSchema, { emptyIsObject: true });
    return c.json(await runs.resume(c.req.param('id'), body.message ?? null));
  });

  app.get('/:id/steps', async (c) => {
    const steps = await runs.steps(c.req.param('id'));
    return c.json({ object: 'list', data: steps, has_more: false });
  });

  app.get('/:id/screenshots/:screenshotId', async (c) => {
    const { meta, image } = await runs.screenshot(c.req.param('id'), c.req.param('screenshotId'));
    return c.body(new Uint8Array(image), 200, {
      'content-type': imageTypes[meta.format],
      'cache-control': 'private, max-age=31536000, immutable',
    });
  });

  return app;
}
