import type { Logger } from 'pino';
import type { Desktop } from '../desktop/desktop.ts';
import { InvalidRequestError, NotFoundError, UnavailableError, errorMessage } from '../errors.ts';
import { newId } from '../ids.ts';
import type {
  DisplayBackend,
  MachineInfo,
  OpenedDisplay,
  VirtualMachineOptions,
} from './machine.ts';

export const LOCAL_MACHINE_ID = 'local';

interface Entry {
  info: MachineInfo;
  opened: OpenedDisplay | null;
  lostReason: string | null;
}

type LostListener = (machineId: string, reason: string) => void;

/**
 * Every machine the daemon knows: `local`, opened on first use, and the virtual ones it started.
 * It tracks which run holds each machine and tells its listeners when a display is lost.
 */
export class MachineRegistry {
  readonly #backend: DisplayBackend;
  readonly #log: Logger;
  readonly #machines = new Map<string, Entry>();
  readonly #lostListeners: LostListener[] = [];
  #localOpening: Promise<void> | null = null;

  constructor(backend: DisplayBackend, log: Logger) {
    this.#backend = backend;
    this.#log = log;
    this.#machines.set(LOCAL_MACHINE_ID, {
      info: {
        id: LOCAL_MACHINE_ID,
        object: 'machine',
        kind: 'local',
        display: null,
        width: 0,
        height: 0,
        state: 'lost',
        current_run_id: null,
        window_manager: null,
        created_at: new Date().toISOString(),
      },
      opened: null,
      lostReason: 'not opened yet',
    });
  }

  list(): MachineInfo[] {
    return [...this.#machines.values()].map((entry) => ({ ...entry.info }));
  }

  get(id: string): MachineInfo {
    return { ...this.#entry(id).info };
  }

  has(id: string): boolean {
    return this.#machines.has(id);
  }

  onLost(listener: LostListener): void {
    this.#lostListeners.push(listener);
  }

  /** Opens the local display if it is not open; a failure leaves it `lost` with the reason. */
  async openLocal(): Promise<void> {
    const entry = this.#entry(LOCAL_MACHINE_ID);
    if (entry.opened) return;
    this.#localOpening ??= this.#open(entry, () => this.#backend.openLocal()).finally(() => {
      this.#localOpening = null;
    });
    return this.#localOpening;
  }

  async create(options: VirtualMachineOptions): Promise<MachineInfo> {
    const id = newId('vm');
    const entry: Entry = {
      info: {
        id,
        object: 'machine',
        kind: 'virtual',
        display: null,
        width: options.width,
        height: options.height,
        state: 'lost',
        current_run_id: null,
        window_manager: options.windowManager === 'none' ? null : options.windowManager,
        created_at: new Date().toISOString(),
      },
      opened: null,
      lostReason: 'starting',
    };
    await this.#open(entry, () => this.#backend.startVirtual(options));
    if (!entry.opened) {
      throw new UnavailableError(
        'machine_start_failed',
        `the virtual display did not start: ${entry.lostReason}`,
      );
    }
    this.#machines.set(id, entry);
    return { ...entry.info };
  }

  async remove(id: string): Promise<void> {
    const entry = this.#entry(id);
    if (entry.info.kind === 'local') {
      throw new InvalidRequestError(
        'machine_not_removable',
        'the local machine cannot be removed',
        {
          param: 'id',
        },
      );
    }
    this.#machines.delete(id);
    await this.#markLost(entry, 'the machine was deleted');
  }

  /** The desktop of a machine that is up, for the run that holds it. */
  desktop(id: string): Desktop {
    const entry = this.#entry(id);
    if (!entry.opened) {
      throw new UnavailableError(
        'machine_unavailable',
        `machine ${id} is not available: ${entry.lostReason ?? 'unknown reason'}`,
      );
    }
    return entry.opened.desktop;
  }

  isUsable(id: string): boolean {
    return this.#machines.get(id)?.opened != null;
  }

  hold(id: string, runId: string | null): void {
    const entry = this.#machines.get(id);
    if (!entry) return;
    entry.info.current_run_id = runId;
    if (entry.opened) entry.info.state = runId ? 'busy' : 'ready';
  }

  async closeAll(): Promise<void> {
    const entries = [...this.#machines.values()];
    await Promise.all(entries.map((entry) => entry.opened?.stop().catch(() => undefined)));
  }

  async #open(entry: Entry, open: () => Promise<OpenedDisplay>): Promise<void> {
    try {
      const opened = await open();
      entry.opened = opened;
      entry.lostReason = null;
      entry.info.display = opened.display;
      entry.info.width = opened.size.width;
      entry.info.height = opened.size.height;
      entry.info.state = entry.info.current_run_id ? 'busy' : 'ready';
      opened.desktop.onLost((reason) => void this.#markLost(entry, reason));
      this.#log.info({ machineId: entry.info.id, display: opened.display }, 'machine ready');
    } catch (error) {
      const reason = errorMessage(error);
      // The local display is retried on every listing; say why once, not on every request.
      if (reason !== entry.lostReason) {
        this.#log.warn({ machineId: entry.info.id, reason }, 'machine could not be opened');
      }
      entry.lostReason = reason;
      entry.info.state = 'lost';
    }
  }

  async #markLost(entry: Entry, reason: string): Promise<void> {
    const opened = entry.opened;
    if (!opened) return;
    entry.opened = null;
    entry.lostReason = reason;
    entry.info.state = 'lost';
    this.#log.warn({ machineId: entry.info.id, reason }, 'machine lost');
    for (const listener of this.#lostListeners) listener(entry.info.id, reason);
    await opened.stop().catch((error: unknown) => {
      this.#log.warn({ machineId: entry.info.id, err: error }, 'machine did not stop cleanly');
    });
  }

  #entry(id: string): Entry {
    const entry = this.#machines.get(id);
    if (!entry) {
      throw new NotFoundError('machine_not_found', `no machine with id ${id}`, {
        param: 'machine_id',
      });
    }
    return entry;
  }
}
