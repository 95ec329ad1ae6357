import { accessSync, constants, createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { Command } from 'commander';
import { decryptKey, PrivateKey } from 'openpgp';
import { loadSettings } from '@cordon/config';
import { openpgpConfig, readOneKey } from '@cordon/crypto';
import { DomainError } from '@cordon/errors';
import { openDatabase } from '@cordon/persistence';
import { allEntities, BackupDecryption, restoreBackup } from '@cordon/runtime';
import { readPassphraseFile } from '../backup-files';
import { readKeyFile } from '../key-file';

export function restoreCommand(): Command {
  return new Command('restore')
    .description(
      'Bring a backup back into an EMPTY data directory or database (DATA_DIR / DATABASE_URL), all or nothing, ' +
        'and write its server secret to SECRET_KEY_FILE',
    )
    .argument('<file>', 'the backup file, or - for one already decrypted by gpg on standard input')
    .option(
      '--passphrase-file <file>',
      'the passphrase the backup was made with (or, with --secret-key-file, of that key)',
    )
    .option(
      '--secret-key-file <file>',
      "a maintainer's secret key (gpg --export-secret-keys), for a maintainer-encrypted backup",
    )
    .addHelpText(
      'after',
      '\nA maintainer-encrypted backup can also be opened with gpg and piped in:\n' +
        '  gpg --decrypt cordon.backup | npm run -s cli -- restore -',
    )
    .action(async (file: string, opts: { passphraseFile?: string; secretKeyFile?: string }) => {
      const decryption = await decryptionOf(file, opts);
      const settings = loadSettings();
      const input = file === '-' ? process.stdin : createReadStream(readableBackup(file));
      const database = await openDatabase({
        databaseUrl: settings.DATABASE_URL,
        dataDir: settings.dataDir,
        entities: allEntities,
      });
      try {
        const summary = await restoreBackup({
          dataSource: database.dataSource,
          settings,
          input: input as Readable,
          decryption,
        });
        for (const name of summary.migrationsApplied) console.error(`applied migration ${name}`);
        console.error(
          `restored ${summary.rows} rows in ${summary.tables} tables from the backup of ${summary.createdAt} (Cordon ${summary.cordon}); ` +
            `server secret in ${settings.secretKeyFile}`,
        );
        if (summary.listKeyFingerprint) console.log(summary.listKeyFingerprint);
      } finally {
        await database.close();
      }
    });
}

async function decryptionOf(
  file: string,
  opts: { passphraseFile?: string; secretKeyFile?: string },
): Promise<BackupDecryption> {
  if (file === '-') {
    if (opts.passphraseFile || opts.secretKeyFile) {
      throw new DomainError(
        'INVALID_INPUT',
        'Standard input must already be decrypted (by gpg): give no key or passphrase.',
      );
    }
    return { with: 'none' };
  }
  if (opts.secretKeyFile) {
    return { with: 'secret-key', key: await unlockedKey(opts.secretKeyFile, opts.passphraseFile) };
  }
  if (opts.passphraseFile) return { with: 'passphrase', passphrase: readPassphraseFile(opts.passphraseFile) };
  throw new DomainError(
    'INVALID_INPUT',
    'Say how to open the backup: --passphrase-file FILE, --secret-key-file KEY, or decrypt it with gpg and give - .',
  );
}

async function unlockedKey(file: string, passphraseFile?: string): Promise<PrivateKey> {
  const key = await readOneKey(readKeyFile(file));
  if (!key.isPrivate()) throw new DomainError('KEY_NOT_SECRET', `${file} holds only a public key.`);
  if (key.isDecrypted()) return key;
  if (!passphraseFile) {
    throw new DomainError('INVALID_INPUT', 'That secret key is protected: give its passphrase with --passphrase-file.');
  }
  try {
    const passphrase = readFileSync(passphraseFile, 'utf8').replace(/\r?\n$/, '');
    return await decryptKey({ privateKey: key, passphrase, config: openpgpConfig });
  } catch {
    throw new DomainError('INVALID_INPUT', 'The passphrase does not unlock that secret key.');
  }
}

/** A missing or unreadable file is refused in one line before anything is opened, not as a stream error. */
function readableBackup(file: string): string {
  try {
    accessSync(file, constants.R_OK);
  } catch {
    throw new DomainError(
      'INVALID_INPUT',
      `Cannot read the backup file ${file}: it does not exist or is not readable.`,
    );
  }
  return file;
}
