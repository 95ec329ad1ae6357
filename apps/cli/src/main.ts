import './load-openpgp'; // first: see there
import 'reflect-metadata';
import { Command } from 'commander';
import { SettingsError } from '@cordon/config';
import { DomainError } from '@cordon/errors';
import { DataDirInUseError } from '@cordon/persistence';
import { auditCommand } from './commands/audit';
import { backupCommand } from './commands/backup';
import { importCommand } from './commands/import';
import { initCommand } from './commands/init';
import { listKeyCommand } from './commands/list-key';
import { maintainerCommand } from './commands/maintainer';
import { memberCommand } from './commands/member';
import { restoreCommand } from './commands/restore';
import { serveCommand } from './commands/serve';

/** `cordon` / `npm run cli -- <command>`: the operator's commands. Settings come from the environment. */
const program = new Command('cordon')
  .description('Cordon: an embargoed distributor list server')
  .showHelpAfterError()
  .addCommand(serveCommand())
  .addCommand(initCommand())
  .addCommand(listKeyCommand())
  .addCommand(maintainerCommand())
  .addCommand(memberCommand())
  .addCommand(importCommand())
  .addCommand(auditCommand())
  .addCommand(backupCommand())
  .addCommand(restoreCommand());

program.parseAsync(process.argv).catch((error: unknown) => {
  // Expected refusals get one clear line; anything else its stack, for a bug report.
  if (error instanceof SettingsError || error instanceof DataDirInUseError) {
    console.error(error.message);
  } else if (error instanceof DomainError) {
    console.error(`${error.code}: ${error.message}`);
  } else {
    console.error(error);
  }
  process.exit(1);
});
