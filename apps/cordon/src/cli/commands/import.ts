import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { Command } from 'commander';
import { DomainError } from '@cordon/errors';
import { ImportList, ImportVerdict, ListImportReport } from '@cordon/membership';
import { withContext } from '../context';

interface ImportOptions {
  keyring: string[];
  members: string;
  dryRun?: boolean;
  listFingerprint?: string;
  passphraseFile?: string;
  recertify?: boolean;
  replaceListKey?: boolean;
}

// A keyring of a few thousand keys and a CSV of as many members fit well within these.
const MAX_KEYRING_BYTES = 64 * 1024 * 1024;
const MAX_CSV_BYTES = 8 * 1024 * 1024;

/**
 * `cordon import`: adopt a list kept by GnuPG or Schleuder (README, "Moving from Schleuder").
 * Prints one line for the list key and one per CSV line; exits 1 when anything is refused, in
 * which case nothing was imported.
 */
export function importCommand(): Command {
  return new Command('import')
    .description(
      "Adopt a list from an exported GnuPG keyring (the list's secret key and the members' public keys) and a members CSV; all or nothing",
    )
    .requiredOption(
      '--keyring <file>',
      'exported keys, binary or --armor: `gpg --export-secret-keys LIST-FPR` and `gpg --export`, in one file (>>) or given twice',
      collect,
    )
    .requiredOption('--members <file.csv>', 'members CSV with the header address,organisation,fingerprint,acknowledged')
    .option('--dry-run', 'print what would be imported and what would be refused, and change nothing')
    .option('--list-fingerprint <fpr>', "which secret key is the list's, if the keyring holds several")
    .option('--passphrase-file <file>', "file holding the passphrase that protects the list's secret key")
    .option(
      '--recertify',
      "if the list key's self-signatures use SHA-1, re-sign them with SHA-256 (the fingerprint stays)",
    )
    .option('--replace-list-key', 'replace the list key of an instance that already has members or posts')
    .addHelpText(
      'after',
      '\nCSV: acknowledged is yes/no (or true/false): yes records that the member accepted the current\n' +
        'Embargo Policy outside Cordon (method "imported"); no means it must acknowledge before list mail\n' +
        'reaches it. Fingerprints are the full 40 (or 64) hex digits. An optional distribution column is kept.',
    )
    .action((opts: ImportOptions) =>
      withContext(async (app) => {
        const report = await app.get(ImportList).execute({
          keyrings: opts.keyring.map((file) => ({
            name: basename(file),
            content: readBounded(file, MAX_KEYRING_BYTES),
          })),
          membersCsv: Buffer.from(readBounded(opts.members, MAX_CSV_BYTES)).toString('utf8'),
          dryRun: Boolean(opts.dryRun),
          listFingerprint: opts.listFingerprint,
          passphrase: opts.passphraseFile ? readFileSync(opts.passphraseFile, 'utf8').replace(/\r?\n$/, '') : undefined,
          recertify: Boolean(opts.recertify),
          replaceListKey: Boolean(opts.replaceListKey),
        });
        print(report, Boolean(opts.dryRun));
        if (report.refusals > 0) process.exitCode = 1;
      }),
    );
}

/** `--keyring` may be given more than once (no default, so that commander still requires one). */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Reads an input file, refusing one too large to be what it claims, with one clear line. */
function readBounded(file: string, max: number): Uint8Array {
  try {
    if (statSync(file).size > max) {
      throw new DomainError('INVALID_INPUT', `${file} is larger than ${max / 1024 / 1024} MiB.`);
    }
    return new Uint8Array(readFileSync(file));
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw new DomainError('INVALID_INPUT', `Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}.`);
  }
}

function print(report: ListImportReport, dryRun: boolean): void {
  const verb = dryRun ? 'would import' : report.imported ? 'imported' : 'ok';
  const line = (v: ImportVerdict) => {
    const where = v.line === 0 ? 'list key' : `line ${v.line}`;
    const what = [v.line === 0 ? undefined : v.what, v.fingerprint].filter(Boolean).join(' ');
    const outcome = v.refused
      ? `REFUSED ${v.refused.code}: ${v.refused.reason}`
      : `${verb}${v.note ? ` (${v.note})` : ''}`;
    return `${where}: ${what ? `${what}: ` : ''}${outcome}`;
  };
  for (const v of [report.listKey, ...report.members]) console.log(line(v));
  const members = report.members.length;
  if (report.refusals > 0) {
    console.error(
      `${report.refusals} refused: nothing was imported. Fix ${report.refusals === 1 ? 'it' : 'them'} and run the import again${dryRun ? '' : ' (--dry-run to check first)'}.`,
    );
  } else if (dryRun) {
    console.log(`dry run: the list key and ${members} member(s) would be imported; nothing was changed.`);
  } else {
    console.log(`imported the list key and ${members} member(s). Check the audit log: npm run cli -- audit verify`);
  }
}
