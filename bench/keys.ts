/**
 * The bench's keys: one list key and 5,000 member keys (cv25519, as GnuPG makes them), generated
 * with OpenPGP.js once and cached in a temp directory between runs (generating them takes about
 * half a minute; reading them back, a second or two).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey, PrivateKey, PublicKey, readKey, readKeys, readPrivateKey } from 'openpgp';
import { openpgpConfig } from '@cordon/crypto';

export const MAX_MEMBERS = 5000;
export const LIST_ADDRESS = 'distributors@example.org';
export const LIST_NAME = 'Embargoed distributors';

export function cacheDir(): string {
  const dir = process.env.BENCH_CACHE_DIR || join(tmpdir(), 'cordon-bench');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

export const memberEmail = (i: number) => `security${i}@distro${i}.example`;

const files = (dir: string) => ({
  list: join(dir, 'list.key.asc'),
  firstMember: join(dir, 'member0.key.asc'),
  members: join(dir, 'members.pub.bin'),
  index: join(dir, 'members.idx.json'),
});

async function cv25519(email: string, name: string): Promise<PrivateKey> {
  const { privateKey } = await generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name, email }],
    format: 'object',
    config: openpgpConfig,
  });
  return privateKey;
}

/** Makes the keys if the cache has none; returns how long that took (0 when cached). */
export async function ensureKeys(log: (line: string) => void): Promise<number> {
  const f = files(cacheDir());
  if ([f.list, f.firstMember, f.members, f.index].every((file) => existsSync(file))) return 0;
  log(`generating ${MAX_MEMBERS} member keys (cv25519) into ${cacheDir()}, once ...`);
  const started = performance.now();
  const list = await cv25519(LIST_ADDRESS, LIST_NAME);
  const members: PrivateKey[] = [];
  for (let i = 0; i < MAX_MEMBERS; i += 50) {
    const batch = Array.from({ length: Math.min(50, MAX_MEMBERS - i) }, (_, j) =>
      cv25519(memberEmail(i + j), 'Security'),
    );
    members.push(...(await Promise.all(batch)));
  }
  const binaries = members.map((key) => key.toPublic().write());
  writeFileSync(f.list, list.armor(), { mode: 0o600 });
  writeFileSync(f.firstMember, members[0].armor(), { mode: 0o600 });
  writeFileSync(`${f.members}.partial`, Buffer.concat(binaries));
  writeFileSync(f.index, JSON.stringify(binaries.map((b) => b.length)));
  renameSync(`${f.members}.partial`, f.members);
  return performance.now() - started;
}

export async function listKey(): Promise<PrivateKey> {
  return readPrivateKey({ armoredKey: readFileSync(files(cacheDir()).list, 'utf8') });
}

/** The first member's secret key: the bench opens one copy with it, to check what it measured works. */
export async function firstMemberKey(): Promise<PrivateKey> {
  return readPrivateKey({ armoredKey: readFileSync(files(cacheDir()).firstMember, 'utf8') });
}

/** The first `n` member public keys, parsed (only those bytes are read). */
/**
 * The first `n` member keys as armored text, as a relay reads them from its database: each parsed
 * alone and dropped, so that no parsed key outlives its turn.
 */
export async function memberKeyTexts(n: number): Promise<string[]> {
  const f = files(cacheDir());
  const lengths = (JSON.parse(readFileSync(f.index, 'utf8')) as number[]).slice(0, n);
  const all = readFileSync(f.members);
  const texts: string[] = [];
  let at = 0;
  for (const length of lengths) {
    texts.push((await readKey({ binaryKey: all.subarray(at, at + length), config: openpgpConfig })).armor());
    at += length;
  }
  return texts;
}

export async function memberKeys(n: number): Promise<PublicKey[]> {
  const f = files(cacheDir());
  const lengths = JSON.parse(readFileSync(f.index, 'utf8')) as number[];
  const bytes = lengths.slice(0, n).reduce((a, b) => a + b, 0);
  const keys = await readKeys({ binaryKeys: readFileSync(f.members).subarray(0, bytes), config: openpgpConfig });
  return keys as PublicKey[];
}
