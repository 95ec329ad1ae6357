import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { AUDIT_CHAIN_KEY, AuditVerdict, Checkpoint, readCheckpoint, verifyAuditChain } from '@cordon/audit';
import { ListKey } from '@cordon/crypto';
import { DomainError } from '@cordon/errors';
import { withContext } from '../context';

export function auditCommand(): Command {
  const cmd = new Command('audit').description('The audit log');
  cmd
    .command('verify')
    .description(
      'Check the keyed hash chain; exits 1 and names the first bad entry if any was edited, deleted, reordered or hashed again without the key',
    )
    .option(
      '--checkpoint <file>',
      'also check the log against a checkpoint a maintainer kept (the signed text, or the whole decrypted checkpoint mail): exits 1 if entries were removed or the log replaced since',
    )
    .action((opts: { checkpoint?: string }) =>
      withContext(
        async (app, runtime) => {
          let checkpoint: Checkpoint | undefined;
          if (opts.checkpoint) {
            checkpoint = await readCheckpoint(readText(opts.checkpoint), await app.get(ListKey).public());
            if (checkpoint.list !== runtime.settings.LIST_ADDRESS) {
              throw new DomainError(
                'INVALID_INPUT',
                `That checkpoint is of the list ${checkpoint.list}, not of ${runtime.settings.LIST_ADDRESS}.`,
              );
            }
          }
          const key = app.get<Buffer>(AUDIT_CHAIN_KEY);
          const verdict = await verifyAuditChain(runtime.database.dataSource, key, checkpoint);
          console.log(describe(verdict, checkpoint));
          if (!verdict.ok) process.exitCode = 1;
        },
        { migrate: false },
      ),
    );
  return cmd;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new DomainError('INVALID_INPUT', `Cannot read ${file} (${(error as NodeJS.ErrnoException).code}).`);
  }
}

/** One line, for the operator and for scripts. */
function describe(verdict: AuditVerdict, checkpoint?: Checkpoint): string {
  const of = checkpoint ? `the checkpoint of ${checkpoint.time} (${checkpoint.entries} entries)` : '';
  if (verdict.ok) {
    const legacy = verdict.legacyEntries
      ? `, the first ${verdict.legacyEntries} written before the chain was keyed`
      : '';
    return `audit log intact: ${verdict.entries} entries${legacy}, head ${verdict.headHash}${checkpoint ? `; includes ${of}` : ''}`;
  }
  switch (verdict.problem) {
    case 'broken':
      return `audit log BROKEN at entry ${verdict.firstBadSeq}: ${verdict.reason} (${verdict.entries} entries before it verified)`;
    case 'checkpoint':
      return `audit log does NOT match ${of}: ${verdict.reason}`;
    case 'empty':
      return 'audit log EMPTY: no entry at all (wiped, or Cordon never started on this database)';
  }
}
