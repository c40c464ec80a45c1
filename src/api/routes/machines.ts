import { Hono } from 'hono';
import { DesktopLostError, type Desktop, type Frame } from '../../desktop/desktop.ts';
import { UnavailableError } from '../../errors.ts';
import { createMachineSchema } from '../../machines/machine-input.ts';
import type { MachineRegistry } from '../../machines/machine-registry.ts';
import { parseJsonBody } from '../validation.ts';

export function machineRoutes(machines: MachineRegistry): Hono {
  const app = new Hono();

  app.get('/', async (c) => {
    await machines.openLocal();
    return c.json({ object: 'list', data: machines.list(), has_more: false });
  });

  app.post('/', async (c) => {
    const input = await parseJsonBody(c, createMachineSchema, { emptyIsObject: true });
    const machine = await machines.create({
      width: input.width,
      height: input.height,
      windowManager: input.window_manager,
      launch: input.launch,
    });
    return c.json(machine, 201);
  });

  app.get('/:id', (c) => c.json(machines.get(c.req.param('id'))));

  app.get('/:id/screenshot', async (c) => {
    const id = c.req.param('id');
    if (id === 'local') await machines.openLocal();
    const frame = await captureScreen(machines.desktop(id), id);
    return c.body(new Uint8Array(frame.image), 200, {
      'content-type': 'image/png',
      'cache-control': 'no-store',
    });
  });

  app.delete('/:id', async (c) => {
    const id = c.req.param('id');
    const machine = machines.get(id);
    await machines.remove(id);
    return c.json({ id: machine.id, object: 'machine', deleted: true });
  });

  return app;
}

/** The whole screen at full size; a display that dies meanwhile is unavailable, not an error. */
async function captureScreen(desktop: Desktop, machineId: string): Promise<Frame> {
  try {
    const size = await desktop.size();
    return await desktop.capture({ maxWidth: size.width, maxHeight: size.height, format: 'png' });
  } catch (error) {
    if (!(error instanceof DesktopLostError)) throw error;
    throw new UnavailableError(
      'machine_unavailable',
      `machine ${machineId} is lost: ${error.message}`,
    );
  }
}
