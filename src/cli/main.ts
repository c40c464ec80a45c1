import { Command } from 'commander';
import { version } from '../version.ts';
import { registerServe } from './serve.ts';

const program = new Command()
  .name('deskpilot')
  .description('Run computer-use agents on your own machine')
  .version(version);

registerServe(program);

await program.parseAsync(process.argv);
