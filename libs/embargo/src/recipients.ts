import { Injectable } from '@nestjs/common';
import { PublicKey } from 'openpgp';
import { EntityManager } from 'typeorm';
import { readOneKey } from '@cordon/crypto';
import { Policies } from '@cordon/policy';

export interface Recipient {
  memberId: string;
  email: string;
  key: PublicKey;
  fingerprint: string;
}

export type SkipReason = 'key_expired' | 'key_unusable';

export interface Skipped {
  memberId: string;
  email: string;
  reason: SkipReason;
}

export interface RecipientSelection {
  recipients: Recipient[];
  /**
   * Active members with a usable key who have not acknowledged the current policy: their copies
   * are made but held (HeldMail), and go out once they acknowledge.
   */
  held: Recipient[];
  /** Approved members who will not get this post, and why (shown to maintainers). */
  skipped: Skipped[];
}

interface MemberRow {
  id: string;
  email: string;
  key_armored: string;
  key_fingerprint: string;
  acknowledged_policy_version: number | null;
}

/**
 * Who may receive embargoed information, list mail and embargo notices alike (docs/architecture.md, invariant 2): members that are active (approved, not suspended,
 * removed or banned), have acknowledged the current policy version, and hold a key that can
 * encrypt now. Parsed keys are cached by fingerprint: checking a key's self-signatures costs
 * about a millisecond, paid once per key rather than once per post.
 */
@Injectable()
export class RecipientSelector {
  private readonly keys = new Map<string, PublicKey>();

  constructor(private readonly policies: Policies) {}

  async select(manager: EntityManager, now = new Date()): Promise<RecipientSelection> {
    const policy = await this.policies.current(manager);
    const rows = (await manager.query(
      `SELECT id, email, key_armored, key_fingerprint, acknowledged_policy_version
       FROM member WHERE status = 'active' ORDER BY id`,
    )) as MemberRow[];
    const selection: RecipientSelection = { recipients: [], held: [], skipped: [] };
    for (const row of rows) {
      const key = await this.keyOf(row);
      const usable = key ? await canEncryptAt(key, now) : 'key_unusable';
      if (usable !== true) {
        selection.skipped.push({ memberId: row.id, email: row.email, reason: usable });
        continue;
      }
      const recipient = { memberId: row.id, email: row.email, key: key!, fingerprint: row.key_fingerprint };
      if (row.acknowledged_policy_version === policy.version) selection.recipients.push(recipient);
      else selection.held.push(recipient);
    }
    return selection;
  }

  private async keyOf(row: MemberRow): Promise<PublicKey | null> {
    const cached = this.keys.get(row.key_fingerprint);
    if (cached) return cached;
    try {
      const key = (await readOneKey(row.key_armored)) as PublicKey;
      this.keys.set(row.key_fingerprint, key);
      return key;
    } catch {
      return null;
    }
  }
}

/** True when the key has a valid encryption subkey at `now`; otherwise why not. */
export async function canEncryptAt(key: PublicKey, now: Date): Promise<true | SkipReason> {
  try {
    await key.getEncryptionKey(undefined, now);
    return true;
  } catch {
    const expiry = await key.getExpirationTime().catch(() => null);
    return expiry instanceof Date && expiry.getTime() <= now.getTime() ? 'key_expired' : 'key_unusable';
  }
}
