import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultHome } from '../../config.ts';
import { ApiClient, DaemonUnreachableError } from '../client/api-client.ts';
import { resolveConnection } from '../client/connection.ts';
import { exitCodes } from '../output/exit-codes.ts';
import { style } from '../output/style.ts';
import {
  action,
  print,
  printJson,
  withJson,
  type GlobalOptions,
  type JsonOption,
} from './context.ts';

export function registerKey(program: Command): void {
  withJson(program.command('key').description('show the API key and the webhook signing secret'))
    .addHelpText(
      'after',
      `
Both are secrets: anyone with the API key can drive this machine's mouse and keyboard.
The key comes from DESKPILOT_API_KEY or the api_key file in the data dir; the webhook secret
from the daemon (GET /v1/webhook_secret), or its file when the daemon is not running.`,
    )
    .action(action(showKey));
}

async function showKey(options: JsonOption, command: Command): Promise<number> {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const connection = resolveConnection({ url: globals.url, home: globals.home });
  const webhookSecret = await webhookSecretOf(new ApiClient(connection), globals.home);

  if (options.json) printJson({ api_key: connection.apiKey, webhook_secret: webhookSecret });
  else {
    print(
      `api key         ${connection.apiKey}`,
      `webhook secret  ${webhookSecret ?? style.dim('unknown: no daemon answered and no file')}`,
    );
    print(
      style.dim(
        'use the key as "Authorization: Bearer <key>"; check webhooks with the secret (see README)',
      ),
    );
  }
  return exitCodes.ok;
}

async function webhookSecretOf(
  client: ApiClient,
  home: string | undefined,
): Promise<string | null> {
  try {
    const answer = await client.get<{ secret: string }>('/v1/webhook_secret');
    return answer.secret;
  } catch (error) {
    if (!(error instanceof DaemonUnreachableError)) throw error;
    const file = join(home ?? defaultHome(), 'webhook_secret');
    return existsSync(file) ? readFileSync(file, 'utf8').trim() : null;
  }
}
