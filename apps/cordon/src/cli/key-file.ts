import { readFileSync } from 'node:fs';

/** A key file as GnuPG writes it: armored (`--armor`) comes back as text, binary as bytes. */
export function readKeyFile(path: string): string | Uint8Array {
  const input = readFileSync(path);
  const text = input.toString('utf8');
  return text.includes('-----BEGIN PGP') ? text : new Uint8Array(input);
}
