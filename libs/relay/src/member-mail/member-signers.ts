import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { PublicKey } from 'openpgp';
import { DataSource } from 'typeorm';
import { SETTINGS, Settings } from '@cordon/config';
import { ListKey, readOneKey } from '@cordon/crypto';
import { MemberSigningKey, MemberSigningKeys, MemberStatus } from '@cordon/membership';
import { OpenedMail, openSignedMail, PostRefusal } from '../open';
import { Refusal } from '../refusals/refusal-catalogue';

/** Which members may have signed: an answer needs an active member; a statement or report may come from a suspended one. */
export type MemberStanding = 'active' | 'active_or_suspended';

/** An opened message whose `signer.id` is the member's id, or why it was not taken. */
export type MemberMailVerdict = { kind: 'opened'; opened: OpenedMail } | ({ kind: 'refused' } & Refusal);

const STATUSES: Record<MemberStanding, readonly MemberStatus[]> = {
  active: ['active'],
  active_or_suspended: ['active', 'suspended'],
};

/**
 * Opens mail a member signed (issue 5: answers, acknowledgements and leak reports), with the
 * relay's own opening code over the exact signed bytes: decrypted with the list key when it is
 * encrypted, and accepted only with a good, recent signature by the current key of a member in
 * the standing asked for. Maintainers' keys are not offered: what a maintainer signs is a post.
 * Parsed keys are kept (checking a signature needs the whole key, where RecipientSelector keeps only
 * a MemberKey), so a large list is parsed once and not per message; by the digest of the stored key, so that a key updated in place (revoked, its
 * expiry changed) is read again.
 */
@Injectable()
export class MemberSigners {
  private readonly keys = new Map<string, PublicKey>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly listKey: ListKey,
    private readonly signingKeys: MemberSigningKeys,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async open(raw: Buffer, standing: MemberStanding, encryption: 'required' | 'optional'): Promise<MemberMailVerdict> {
    try {
      const opened = await openSignedMail(
        raw,
        {
          listKey: await this.listKey.secretKey(),
          maintainers: [],
          members: await this.memberKeys(standing),
          now: new Date(),
          maxAgeDays: this.settings.POST_MAX_AGE_DAYS,
        },
        encryption,
      );
      if (opened.signer.role !== 'member') return { kind: 'refused', code: 'SIGNER_UNKNOWN', message: 'Not a member.' };
      return { kind: 'opened', opened };
    } catch (error) {
      if (error instanceof PostRefusal) return { kind: 'refused', code: error.code, message: error.message };
      // Hostile input that broke the reader is a refusal too: never act on doubt.
      return { kind: 'refused', code: 'UNREADABLE', message: 'The message could not be read as signed mail.' };
    }
  }

  private async memberKeys(standing: MemberStanding): Promise<{ id: string; key: PublicKey }[]> {
    const rows = await this.signingKeys.inStatus(this.dataSource.manager, STATUSES[standing]);
    const keys: { id: string; key: PublicKey }[] = [];
    for (const row of rows) {
      const key = await this.keyOf(row);
      if (key) keys.push({ id: row.memberId, key });
    }
    return keys;
  }

  private async keyOf(row: MemberSigningKey): Promise<PublicKey | null> {
    const id = `${row.keyFingerprint}:${createHash('sha256').update(row.keyArmored).digest('hex')}`;
    const cached = this.keys.get(id);
    if (cached) return cached;
    try {
      const key = (await readOneKey(row.keyArmored)) as PublicKey;
      this.keys.set(id, key);
      return key;
    } catch {
      return null; // a key that no longer parses signs nothing
    }
  }
}
