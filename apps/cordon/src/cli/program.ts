import { Command } from 'commander';
import { auditCommand } from './commands/audit';
import { backupCommand } from './commands/backup';
import { importCommand } from './commands/import';
import { initCommand } from './commands/init';
import { listKeyCommand } from './commands/list-key';
import { maintainerCommand } from './commands/maintainer';
import { memberCommand } from './commands/member';
import { invitationCommand } from './commands/invitation';
import { restoreCommand } from './commands/restore';
import { serveCommand } from './commands/serve';

/**
 * The operator's commands. A new tree for each run: commander keeps what it parsed in it, and the
 * running service parses one for each command a CLI beside it sends (see command-server.ts).
 */
export function cordonProgram(): Command {
  return new Command('cordon')
    .description('Cordon: an embargoed distributor list server')
    .showHelpAfterError()
    .addCommand(serveCommand(cordonProgram))
    .addCommand(initCommand())
    .addCommand(listKeyCommand())
    .addCommand(maintainerCommand())
    .addCommand(memberCommand())
    .addCommand(invitationCommand())
    .addCommand(importCommand())
    .addCommand(auditCommand())
    .addCommand(backupCommand())
    .addCommand(restoreCommand());
}
