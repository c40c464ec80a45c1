import type { Desktop, Size } from '../desktop/desktop.ts';

export type MachineKind = 'local' | 'virtual';
export type MachineState = 'ready' | 'busy' | 'lost';

/** A machine exactly as the API returns it. */
export interface MachineInfo {
  id: string;
  object: 'machine';
  kind: MachineKind;
  display: string | null;
  width: number;
  height: number;
  state: MachineState;
  current_run_id: string | null;
  window_manager: string | null;
  created_at: string;
}

/** A program to start on a virtual display once it is up. */
export type LaunchItem = { command: string[] } | { browser: string };

export interface VirtualMachineOptions {
  width: number;
  height: number;
  windowManager: 'none' | 'matchbox' | 'openbox';
  launch: LaunchItem[];
}

/** A display that is up, with the desktop that drives it and the way to stop all of it. */
export interface OpenedDisplay {
  desktop: Desktop;
  /** The X display name, such as `:7`; null where displays have no names. */
  display: string | null;
  size: Size;
  /** Stops the desktop and every process started for this display, by PID. */
  stop(): Promise<void>;
}

/**
 * Where machines come from. The real backend starts a worker process per display and Xvfb for
 * virtual ones; the fake backend gives in-memory desktops to tests.
 */
export interface DisplayBackend {
  /** Opens the daemon's own display. Rejects when there is none to open. */
  openLocal(): Promise<OpenedDisplay>;
  startVirtual(options: VirtualMachineOptions): Promise<OpenedDisplay>;
}
