import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A process the daemon started and must stop: known by PID, stopped by PID (never by name), and,
 * when started as its own process group, stopped with everything it started in turn (a browser's
 * helpers, a terminal's shell).
 */
export class OwnedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  readonly #group: boolean;
  #exit: Exit | null = null;
  #stderrTail = '';

  private constructor(name: string, child: ChildProcess, group: boolean) {
    this.name = name;
    this.child = child;
    this.#group = group;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        resolve(this.#exit);
      });
      // A program that cannot be started never exits; report it as an exit all the same.
      child.once('error', (error) => {
        this.#stderrTail += `${error.message}\n`;
        this.#exit ??= { code: null, signal: null };
        resolve(this.#exit);
      });
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderrTail = (this.#stderrTail + chunk.toString()).slice(-2000);
    });
  }

  /** Starts a program without a shell. `group` makes it the leader of a new process group. */
  static start(
    name: string,
    command: string,
    args: string[],
    options: SpawnOptions & { group?: boolean } = {},
  ): OwnedProcess {
    const { group = false, ...spawnOptions } = options;
    const child = spawn(command, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...spawnOptions,
      detached: group,
    });
    return new OwnedProcess(name, child, group);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.pid !== undefined && this.#exit === null;
  }

  get exit(): Exit | null {
    return this.#exit;
  }

  /** The end of what the program wrote to stderr, for error messages. */
  get stderrTail(): string {
    return this.#stderrTail.trim();
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  async stop(graceMs = 3000): Promise<void> {
    if (!this.running) return;
    this.#signal('SIGTERM');
    const timer = setTimeout(() => this.#signal('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    // The leader may go first; whatever it started in its group goes with it.
    if (this.#group) this.#signal('SIGKILL');
  }

  #signal(signal: NodeJS.Signals): void {
    const pid = this.pid;
    if (pid === undefined) return;
    try {
      process.kill(this.#group ? -pid : pid, signal);
    } catch {
      // Already gone.
    }
  }
}
