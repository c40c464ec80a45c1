import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DaemonHarness } from '../testing/daemon-harness.ts';

let harness: DaemonHarness;

beforeEach(async () => {
  harness = await DaemonHarness.start();
});

afterEach(async () => {
  await harness.stop();
});

describe('machines API', () => {
  it('lists local first and starts, shows and deletes a virtual machine', async () => {
    const list = await (await harness.request('/v1/machines')).json();
    expect(list.data[0]).toMatchObject({
      id: 'local',
      kind: 'local',
      state: 'ready',
      current_run_id: null,
    });

    const created = await harness.request('/v1/machines', {
      method: 'POST',
      json: { width: 1920, height: 1080 },
    });
    expect(created.status).toBe(201);
    const machine = await created.json();
    expect(machine).toMatchObject({
      object: 'machine',
      kind: 'virtual',
      width: 1920,
      height: 1080,
      state: 'ready',
    });
    expect(machine.id).toMatch(/^vm_/);

    expect(await (await harness.request(`/v1/machines/${machine.id}`)).json()).toEqual(machine);
    const shot = await harness.request(`/v1/machines/${machine.id}/screenshot`);
    expect(shot.headers.get('content-type')).toBe('image/png');

    const deleted = await harness.request(`/v1/machines/${machine.id}`, { method: 'DELETE' });
    expect(await deleted.json()).toMatchObject({ id: machine.id, deleted: true });
    const gone = await harness.request(`/v1/machines/${machine.id}`);
    expect(gone.status).toBe(404);
    expect((await gone.json()).error.code).toBe('machine_not_found');
  });

  it('fails the run on a deleted machine with machine_lost, and its queue with it', async () => {
    const machine = await (
      await harness.request('/v1/machines', { method: 'POST', json: {} })
    ).json();
    const slow = harness.script({ turns: [{ delay_ms: 60_000 }] });
    const running = await harness.createRun({ task: 'a', model: slow, machine_id: machine.id });
    const queued = await harness.createRun({ task: 'b', model: slow, machine_id: machine.id });
    await harness.waitForState(running.id, ['running']);
    expect(
      (await (await harness.request(`/v1/machines/${machine.id}`)).json()).current_run_id,
    ).toBe(running.id);

    await harness.request(`/v1/machines/${machine.id}`, { method: 'DELETE' });
    for (const run of [running, queued]) {
      const failed = await harness.waitForState(run.id, ['failed']);
      expect(failed.error?.code).toBe('machine_lost');
    }
  });

  it('runs on two machines at the same time', async () => {
    const model = harness.script({
      turns: [
        { delay_ms: 200, actions: [{ action: 'left_click', coordinate: [1, 1] }] },
        { done: true },
      ],
    });
    const vm = await (await harness.request('/v1/machines', { method: 'POST', json: {} })).json();
    const onLocal = await harness.createRun({ task: 'a', model });
    const onVm = await harness.createRun({ task: 'b', model, machine_id: vm.id });
    await harness.waitForState(onLocal.id, ['running']);
    expect(
      (await harness.waitForState(onVm.id, ['running', 'succeeded'])).started_at,
    ).not.toBeNull();
    await harness.waitForState(onLocal.id, ['succeeded']);
    await harness.waitForState(onVm.id, ['succeeded']);
  });

  it.each([
    [{ width: 100 }, 'width'],
    [{ window_manager: 'xfwm4' }, 'window_manager'],
    [{ launch: [{ shell: 'rm -rf /' }] }, 'launch.0'],
    [{ colour: 'red' }, 'colour'],
  ])('refuses %j', async (body, param) => {
    const response = await harness.request('/v1/machines', { method: 'POST', json: body });
    expect(response.status).toBe(400);
    expect((await response.json()).error.param).toBe(param);
  });

  it('answers 503 machine_unavailable for the screen of a lost machine', async () => {
    const machine = await (
      await harness.request('/v1/machines', { method: 'POST', json: {} })
    ).json();
    harness.backend.desktops.at(-1)!.loseDisplay('Xvfb exited');

    const listed = await (await harness.request(`/v1/machines/${machine.id}`)).json();
    expect(listed.state).toBe('lost');
    const shot = await harness.request(`/v1/machines/${machine.id}/screenshot`);
    expect(shot.status).toBe(503);
    expect((await shot.json()).error).toMatchObject({ code: 'machine_unavailable' });

    const model = harness.script({ turns: [{ done: true }] });
    const run = await harness.request('/v1/runs', {
      method: 'POST',
      json: { task: 'x', machine_id: machine.id, model },
    });
    expect(run.status).toBe(503);
    expect((await run.json()).error).toMatchObject({ code: 'machine_unavailable' });
  });

  it('refuses to delete the local machine', async () => {
    const response = await harness.request('/v1/machines/local', { method: 'DELETE' });
    expect(response.status).toBe(400);
    expect((await response.json()).error.code).toBe('machine_not_removable');
  });
});
