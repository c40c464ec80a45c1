import { Command, CommanderError } from 'commander';
import { version } from '../version.ts';
import { registerKey } from './commands/key.ts';
import { registerMachines } from './commands/machines.ts';
import { registerOpen } from './commands/open.ts';
import { registerRun } from './commands/run.ts';
import { registerRuns } from './commands/runs.ts';
import { exitCodes } from './output/exit-codes.ts';
import { registerServe } from './serve.ts';

const program = new Command()
  .name('deskpilot')
  .description('Run computer-use agents on your own machine')
  .version(version)
  .option('--url <url>', 'the daemon to talk to (DESKPILOT_URL, default http://127.0.0.1:7878)')
  .option('--home <dir>', 'data dir holding the api_key file (DESKPILOT_HOME)')
  .configureHelp({ showGlobalOptions: true })
  .showHelpAfterError('(add --help for usage)')
  // Thrown instead of exiting, so that a bad flag gets the usage exit code rather than 1.
  .exitOverride();

registerServe(program);
registerRun(program);
registerRuns(program);
registerMachines(program);
registerKey(program);
registerOpen(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  process.exitCode = error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
}
