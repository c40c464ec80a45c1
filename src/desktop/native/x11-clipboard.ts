import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { ActionError } from '../../errors.ts';

/**
 * Text that keys cannot type goes through the X selections: it is offered as both CLIPBOARD and
 * PRIMARY, pasted with Shift+Insert, and then the user's selections are put back.
 *
 * - Shift+Insert, not Ctrl+V: terminals (xterm, urxvt, bash in them) take Ctrl+V as a literal
 *   next character, while Shift+Insert pastes in terminals (PRIMARY) and in browsers and GTK and
 *   Qt apps (CLIPBOARD) alike.
 * - xclip, not the xsel that nut-js's clipboard bundles: xsel only offers UTF8_STRING when the
 *   atom already exists on the server, so on a fresh Xvfb xterm receives Latin-1 mojibake. xclip
 *   interns it. With `-verbose` xclip also stays in the foreground (no orphan owning the
 *   selection: its PID is the one spawned) and prints a line per request it serves, which says
 *   when the app has taken the text.
 */

type Selection = 'clipboard' | 'primary';
const SELECTIONS: Selection[] = ['clipboard', 'primary'];

export interface ClipboardHooks {
  /** Called with every helper process started and stopped, so a supervisor can reap them. */
  helper(pid: number, running: boolean): void;
  debug(fields: object, message: string): void;
}

interface Owner {
  child: ChildProcess;
  text: string;
  served: number;
  lastServedAt: number;
  exited: Promise<void>;
}

const READ_TIMEOUT_MS = 500;
const OWN_TIMEOUT_MS = 2000;
/** How long an app may take to ask for the pasted text before typing goes on without it. */
const PASTE_REQUEST_TIMEOUT_MS = 3000;
/** Requests for one paste come in a burst (TARGETS, then the text); wait for the burst's end. */
const PASTE_QUIET_MS = 40;
/** How long a lone CLIPBOARD request may stay alone before it counts as the text itself. */
const LONE_REQUEST_MS = 600;

export class X11Clipboard {
  readonly #hooks: ClipboardHooks;
  /** The processes that hold the user's own selections again after a paste. */
  readonly #restorers = new Map<Selection, Owner>();

  constructor(hooks: ClipboardHooks) {
    this.#hooks = hooks;
  }

  static available(): boolean {
    return spawnSync('xclip', ['-version'], { stdio: 'ignore', timeout: 2000 }).status === 0;
  }

  /**
   * Pastes `text` into the focused window by pressing `pasteKeys`, then restores the selections.
   */
  async paste(text: string, pasteKeys: () => Promise<void>): Promise<void> {
    if (!X11Clipboard.available()) {
      throw new ActionError(
        'unsupported_text',
        'typing characters outside ASCII needs xclip on the machine (scripts/setup-native.sh)',
      );
    }
    const saved = await this.#saveSelections();
    const owners = new Map<Selection, Owner>();
    let taken = false;
    try {
      for (const selection of SELECTIONS) owners.set(selection, await this.#own(selection, text));
      const started = performance.now();
      await pasteKeys();
      taken = await waitForPasteRequests(owners);
      this.#hooks.debug(
        {
          clipboardRequests: owners.get('clipboard')!.served,
          primaryRequests: owners.get('primary')!.served,
          waitedMs: Math.round(performance.now() - started),
        },
        'paste served',
      );
    } finally {
      await Promise.all([...owners.values()].map((owner) => this.#stop(owner)));
      await this.#restore(saved);
    }
    if (!taken) {
      throw new ActionError(
        'paste_not_taken',
        `the focused window did not take ${[...text].length} pasted characters (Shift+Insert); ` +
          'the text before them was typed, the rest was not',
      );
    }
  }

  /** Stops the processes holding restored selections; the selections empty with them. */
  async close(): Promise<void> {
    const restorers = [...this.#restorers.values()];
    this.#restorers.clear();
    await Promise.all(restorers.map((owner) => this.#stop(owner)));
  }

  async #saveSelections(): Promise<Map<Selection, string | null>> {
    const saved = new Map<Selection, string | null>();
    for (const selection of SELECTIONS) {
      const restorer = this.#restorers.get(selection);
      // A selection this class restored earlier is still ours: its text is known, and reading it
      // back through the server would only cost time.
      if (restorer && restorer.child.exitCode === null) {
        saved.set(selection, restorer.text);
        this.#restorers.delete(selection);
        await this.#stop(restorer);
      } else {
        saved.set(selection, await readSelection(selection));
      }
    }
    return saved;
  }

  async #restore(saved: Map<Selection, string | null>): Promise<void> {
    for (const [selection, text] of saved) {
      // An empty selection had no owner; with the paste owner gone it has none again.
      if (text === null) continue;
      this.#restorers.set(selection, await this.#own(selection, text));
    }
  }

  #own(selection: Selection, text: string): Promise<Owner> {
    const child = spawn('xclip', ['-selection', selection, '-i', '-verbose'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const pid = child.pid;
    if (pid !== undefined) this.#hooks.helper(pid, true);
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        if (pid !== undefined) this.#hooks.helper(pid, false);
        resolve();
      });
      child.once('error', () => resolve());
    });
    const owner: Owner = { child, text, served: 0, lastServedAt: 0, exited };

    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`xclip did not take the ${selection} selection in ${OWN_TIMEOUT_MS} ms`));
      }, OWN_TIMEOUT_MS);
      let output = '';
      // xclip writes its commentary to stderr, unbuffered; stdout would be held in a buffer.
      child.stderr!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        // xclip prints "Waiting for selection request number N" before serving request N.
        const waits = output.match(/selection request number \d+/g)?.length ?? 0;
        if (waits >= 1) {
          clearTimeout(timer);
          resolve(owner);
        }
        if (waits - 1 > owner.served) {
          owner.served = waits - 1;
          owner.lastServedAt = performance.now();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`xclip exited (code ${code}) before taking the ${selection} selection`));
      });
      child.stdin!.end(text);
    });
  }

  async #stop(owner: Owner): Promise<void> {
    if (owner.child.exitCode === null && owner.child.signalCode === null) owner.child.kill();
    await owner.exited;
  }
}

/** Reads a selection as UTF-8 text; null when it is empty, not text, or its owner is stuck. */
function readSelection(selection: Selection): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn('xclip', ['-selection', selection, '-o', '-t', 'UTF8_STRING'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), READ_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.once('error', () => resolve(null));
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? Buffer.concat(chunks).toString('utf8') : null);
    });
  });
}

/**
 * Resolves true once the app has taken the text, false if it never asked. Toolkits differ in how
 * they ask: Chromium, GTK and Qt paste CLIPBOARD on Shift+Insert and ask for its TARGETS before
 * the text (two requests), while xterm pastes PRIMARY and asks for the text at once (one request).
 * Stopping the owners after the TARGETS request alone would lose the paste, so CLIPBOARD needs
 * two requests, or one and then a long silence from an app that asks for the text directly.
 */
async function waitForPasteRequests(owners: Map<Selection, Owner>): Promise<boolean> {
  const clipboard = owners.get('clipboard')!;
  const primary = owners.get('primary')!;
  const started = performance.now();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    const now = performance.now();
    const lastServedAt = Math.max(clipboard.lastServedAt, primary.lastServedAt);
    const taken =
      primary.served >= 1 ||
      clipboard.served >= 2 ||
      (clipboard.served === 1 && now - clipboard.lastServedAt >= LONE_REQUEST_MS);
    if (taken && now - lastServedAt >= PASTE_QUIET_MS) return true;
    if (clipboard.served + primary.served === 0 && now - started >= PASTE_REQUEST_TIMEOUT_MS) {
      return false;
    }
  }
}
