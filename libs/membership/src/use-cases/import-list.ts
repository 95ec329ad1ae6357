import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Key, PublicKey } from 'openpgp';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { checkKey, ListKey } from '@cordon/crypto';
import { DomainError } from '@cordon/errors';
import { MemberRow, readMembersCsv, RowRefusal } from './import-list-csv';
import { Keyring, listSecretKey, readKeyring } from './import-list-keyring';
import { ImportMember } from './import-member';
import { PostsOnRecord } from './posts-on-record';

export interface ListImport {
  /** The exported keyring files: `gpg --export-secret-keys` and `gpg --export`, binary or armored. */
  keyrings: { name: string; content: Uint8Array }[];
  /** The members CSV: address,organisation,fingerprint,acknowledged. */
  membersCsv: string;
  /** Check everything and report, but change nothing. */
  dryRun: boolean;
  /** Which secret key is the list's, when the keyring holds several. */
  listFingerprint?: string;
  passphrase?: string;
  recertify: boolean;
  /** Replace a list key already in use (this instance has members or posts). */
  replaceListKey: boolean;
}

/** One line of the report: the list key (line 0) or a CSV line, imported or refused and why. */
export interface ImportVerdict {
  line: number;
  what: string;
  fingerprint?: string;
  refused?: { code: DomainError['code']; reason: string };
  note?: string;
}

export interface ListImportReport {
  /** True when the import was committed; false for a dry run and for any refusal. */
  imported: boolean;
  listKey: ImportVerdict;
  members: ImportVerdict[];
  refusals: number;
}

/** Thrown to roll the transaction back after a dry run or a refusal, carrying the report out. */
class RolledBack extends Error {
  constructor(readonly report: ListImportReport) {
    super('rolled back');
  }
}

/**
 * Adopts a list kept by GnuPG (Schleuder, a hand-run keyring) in one transaction: the list's
 * secret key and every member of the CSV, each member's key found in the keyring by its full
 * fingerprint and held to the key policy, as `cordon list-key import` and `cordon member import`
 * do one at a time. All or nothing: one refusal and nothing is imported. A dry run is the same
 * run, rolled back, so it refuses exactly what the real run would.
 */
@Injectable()
export class ImportList {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly listKey: ListKey,
    private readonly importMember: ImportMember,
    private readonly posts: PostsOnRecord,
  ) {}

  /** The list key has sealed mail: there are members, or posts (PostsOnRecord). */
  private async inUse(manager: EntityManager): Promise<boolean> {
    const [row] = (await manager.query('SELECT EXISTS (SELECT 1 FROM member) AS used')) as { used: boolean }[];
    return row.used || (await this.posts.anyExist(manager));
  }

  async execute(input: ListImport, actor = 'cli'): Promise<ListImportReport> {
    // A file that cannot be read at all refuses the whole import before anything is looked at.
    const keyring = await readKeyring(input.keyrings);
    const csv = readMembersCsv(input.membersCsv);
    try {
      return await this.dataSource.transaction(async (manager) => {
        const listKey = await this.adoptListKey(manager, keyring, input, actor);
        const members = await this.importMembers(manager, keyring, csv, listKey.fingerprint, actor);
        const refusals = [listKey, ...members].filter((v) => v.refused).length;
        const report = { imported: false, listKey, members, refusals };
        if (refusals > 0 || input.dryRun) throw new RolledBack(report);
        await this.audit.append(manager, {
          actor,
          action: 'list.imported',
          subject: `list_key:${listKey.fingerprint}`,
          details: {
            listKeyFingerprint: listKey.fingerprint,
            members: members.length,
            acknowledged: csv.rows.filter((r) => r.acknowledged).length,
            // What was imported, for whoever later compares it with the files kept from the move.
            keyringSha256: input.keyrings.map((k) => sha256(k.content)),
            membersCsvSha256: sha256(Buffer.from(input.membersCsv, 'utf8')),
          },
        });
        return { ...report, imported: true };
      });
    } catch (error) {
      if (error instanceof RolledBack) return error.report;
      throw error;
    }
  }

  private async adoptListKey(
    manager: EntityManager,
    keyring: Keyring,
    input: ListImport,
    actor: string,
  ): Promise<ImportVerdict> {
    let fingerprint: string | undefined;
    try {
      const key = listSecretKey(keyring, input.listFingerprint);
      fingerprint = key.getFingerprint().toUpperCase();
      const current = await this.listKey.find(manager);
      if (current?.fingerprint === fingerprint) {
        return { line: 0, what: 'list key', fingerprint, note: 'already the list key, kept' };
      }
      if (current && !input.replaceListKey && (await this.inUse(manager))) {
        throw new DomainError(
          'ALREADY_EXISTS',
          `This instance already has members or posts under list key ${current.fingerprint}. ` +
            'Import with --replace-list-key to replace it; its members then need the new public key.',
        );
      }
      const stored = await this.listKey.importSecret(manager, key.write(), {
        recertify: input.recertify,
        passphrase: input.passphrase,
        replace: true,
      });
      await this.audit.append(manager, {
        actor,
        action: 'list_key.imported',
        subject: `list_key:${stored}`,
        details: { fingerprint: stored, recertified: input.recertify, replaced: current?.fingerprint ?? null },
      });
      return {
        line: 0,
        what: 'list key',
        fingerprint: stored,
        note: current ? `replaces ${current.fingerprint}` : undefined,
      };
    } catch (error) {
      return { line: 0, what: 'list key', fingerprint, refused: refusalOf(error) };
    }
  }

  private async importMembers(
    manager: EntityManager,
    keyring: Keyring,
    csv: { rows: MemberRow[]; refusals: RowRefusal[] },
    listFingerprint: string | undefined,
    actor: string,
  ): Promise<ImportVerdict[]> {
    const verdicts: ImportVerdict[] = csv.refusals.map((r) => ({
      line: r.line,
      what: r.address ?? '(no address)',
      refused: { code: r.code, reason: r.reason },
    }));
    const seenAddress = new Map<string, number>();
    const seenFingerprint = new Map<string, number>();
    for (const row of csv.rows) {
      const verdict: ImportVerdict = { line: row.line, what: row.address, fingerprint: row.fingerprint };
      try {
        refuseDuplicate(seenAddress, row.address.toLowerCase(), row.line, 'address');
        refuseDuplicate(seenFingerprint, row.fingerprint, row.line, 'fingerprint');
        if (row.fingerprint === listFingerprint) {
          throw new DomainError('INVALID_INPUT', "this is the list's own key, not a member's.");
        }
        const key = keyring.keys.get(row.fingerprint);
        if (!key) {
          throw new DomainError(
            'NOT_FOUND',
            `the keyring has no key ${row.fingerprint} that Cordon can read: export it too ` +
              `(\`gpg --export ${row.fingerprint}\`); a very old (version 3) key cannot be used and must be replaced.`,
          );
        }
        const details = await checkKey(publicPart(key), { requireAddress: row.address });
        const member = await this.importMember.within(
          manager,
          {
            email: row.address,
            organisation: row.organisation,
            distribution: row.distribution,
            acknowledged: row.acknowledged,
          },
          details,
          actor,
        );
        verdict.note = member.acknowledgedPolicyVersion
          ? `acknowledged policy version ${member.acknowledgedPolicyVersion}`
          : 'must acknowledge the policy before list mail reaches it';
      } catch (error) {
        verdict.refused = refusalOf(error);
      }
      verdicts.push(verdict);
    }
    return verdicts.sort((a, b) => a.line - b.line);
  }
}

function refuseDuplicate(seen: Map<string, number>, value: string, line: number, what: string): void {
  const first = seen.get(value);
  if (first !== undefined) throw new DomainError('INVALID_INPUT', `the same ${what} as line ${first}.`);
  seen.set(value, line);
}

/** A member's key as the key policy expects it: a secret key in the keyring is used for its public part. */
function publicPart(key: Key): PublicKey {
  return key.isPrivate() ? key.toPublic() : (key as PublicKey);
}

/** Domain refusals are reported per line; anything else (a bug, a lost database) ends the run. */
function refusalOf(error: unknown): { code: DomainError['code']; reason: string } {
  if (error instanceof DomainError) return { code: error.code, reason: error.message };
  throw error;
}

function sha256(content: Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}
