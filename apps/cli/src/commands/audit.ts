import { Command } from 'commander';
import { verifyAuditChain } from '@cordon/audit';
import { withContext } from '../context';

export function auditCommand(): Command {
  const cmd = new Command('audit').description('The audit log');
  cmd
    .command('verify')
    .description('Check the hash chain; exits 1 and names the first bad entry if any was edited, deleted or reordered')
    .action(() =>
      withContext(
        async (_app, runtime) => {
          const verdict = await verifyAuditChain(runtime.database.dataSource);
          if (verdict.ok) {
            console.log(`audit log intact: ${verdict.entries} entries, head ${verdict.headHash}`);
          } else {
            console.log(
              `audit log BROKEN at entry ${verdict.firstBadSeq}: ${verdict.reason} (${verdict.entries} entries before it verified)`,
            );
            process.exitCode = 1;
          }
        },
        { initialise: false },
      ),
    );
  return cmd;
}
