import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { DomainError } from '@cordon/errors';
import { BackupEncryption, writeBackup } from '@cordon/runtime';
import { cordonVersion, readPassphraseFile } from '../backup-files';
import { commandSettings, withDatabase } from '../context';

export function backupCommand(): Command {
  return new Command('backup')
    .description(
      'Write the whole instance (every table, the audit log, the list key as stored, and the server secret) into ' +
        'one OpenPGP-encrypted file: to every active maintainer key, or to a passphrase',
    )
    .argument('<file>', 'the backup file to create (refused if it exists)')
    .option('--to-maintainers', "encrypt to every active maintainer's key (the default)")
    .option('--passphrase-file <file>', 'encrypt to the passphrase in this file instead (at least 12 characters)')
    .addHelpText(
      'after',
      '\nA maintainer opens a maintainer-encrypted backup with gpg, or gives restore --secret-key-file.\n' +
        'Keep the backup, and the passphrase or the maintainer keys, in different places.',
    )
    .action(async (file: string, opts: { toMaintainers?: boolean; passphraseFile?: string }) => {
      if (opts.toMaintainers && opts.passphraseFile) {
        throw new DomainError('INVALID_INPUT', 'Give either --to-maintainers or --passphrase-file, not both.');
      }
      const target = resolve(file);
      if (existsSync(target)) throw new DomainError('ALREADY_EXISTS', `${target} exists; choose a new file name.`);
      const encryption: BackupEncryption = opts.passphraseFile
        ? { to: 'passphrase', passphrase: readPassphraseFile(opts.passphraseFile) }
        : { to: 'maintainers' };
      const settings = commandSettings();
      if (!existsSync(settings.secretKeyFile)) {
        throw new DomainError(
          'WRONG_STATE',
          `There is no server secret at ${settings.secretKeyFile}: check DATA_DIR and SECRET_KEY_FILE.`,
        );
      }
      await withDatabase(settings, async (database) => {
        const summary = await writeBackup({
          dataSource: database.dataSource,
          secretKeyFile: settings.secretKeyFile,
          cordonVersion: cordonVersion(),
          encryption,
          file: target,
        });
        const to = summary.recipients.length ? summary.recipients.join(', ') : 'a passphrase';
        console.error(`backed up ${summary.rows} rows in ${summary.tables} tables, encrypted to ${to}`);
        console.log(target);
      });
    });
}
