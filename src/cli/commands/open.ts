import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { exitCodes } from '../output/exit-codes.ts';
import { style } from '../output/style.ts';
import { action, clientFor, print, printJson, withJson, type JsonOption } from './context.ts';

interface OpenOptions extends JsonOption {
  print?: boolean;
}

export function registerOpen(program: Command): void {
  withJson(program.command('open').description('open the web viewer in your browser, signed in'))
    .argument('[run_id]', "open this run's page instead of the list")
    .option('--print', 'print the sign-in link instead of opening a browser')
    .addHelpText(
      'after',
      `
The link carries a one-time code that expires after a minute, never the API key, so it is
harmless in shell history or browser logs once used. The browser is $BROWSER if set, else the
system's opener (xdg-open, open, start).`,
    )
    .action(action(openViewer));
}

async function openViewer(
  runId: string | undefined,
  options: OpenOptions,
  command: Command,
): Promise<number> {
  const client = clientFor(command);
  const login = await client.post<{ login_path: string; expires_at: string }>('/session/codes');
  const next = runId ? `&next=${encodeURIComponent(`/runs/${runId}`)}` : '';
  const url = `${client.baseUrl}${login.login_path}${next}`;

  const opened = options.print ? false : await launchBrowser(url);
  if (options.json) printJson({ url, expires_at: login.expires_at, opened });
  else if (opened)
    print(style.dim(`opened the viewer at ${client.baseUrl}${runId ? `/runs/${runId}` : '/'}`));
  else print(url, style.dim('open this link within a minute; it signs in once'));
  return exitCodes.ok;
}

/** Starts the user's browser on `url` and leaves it running; false when there is none. */
function launchBrowser(url: string): Promise<boolean> {
  const [program, ...args] = openerCommand(url);
  return new Promise((resolve) => {
    const child = spawn(program!, args, { detached: true, stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}

function openerCommand(url: string): string[] {
  const browser = process.env['BROWSER'];
  if (browser) return [browser, url];
  if (process.platform === 'darwin') return ['open', url];
  if (process.platform === 'win32') return ['cmd', '/c', 'start', '""', url];
  return ['xdg-open', url];
}
