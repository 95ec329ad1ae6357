import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DomainError } from '@cordon/errors';

/**
 * A passphrase is read from a file only: never from the command line (other users see it in `ps`)
 * nor echoed from the environment. One trailing newline, as `echo` or an editor leaves it, is dropped.
 */
export function readPassphraseFile(file: string): string {
  const passphrase = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  if (passphrase.length < 12) {
    throw new DomainError('INVALID_INPUT', `The passphrase in ${file} is shorter than 12 characters.`, 'passphrase');
  }
  return passphrase;
}

/** The version in Cordon's package.json, found from this file in the source tree and in dist/ alike. */
export function cordonVersion(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'cordon' && pkg.version) return pkg.version;
  }
  return 'unknown';
}
