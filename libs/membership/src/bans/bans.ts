import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor, AuditLog, AuditTrail } from '@cordon/audit';
import { DomainError } from '@cordon/errors';
import { Member } from '../entities/member.entity';
import { BanKind } from './ban.entity';

/** What an application, an import or an approval would let in. */
export interface WouldJoin {
  organisation: string;
  emails: string[];
  fingerprints: string[];
}

/**
 * The same refusal whichever of organisation, address or key matched, and no word of a ban or a
 * leak (docs/architecture.md, "Errors and refusals": a refusal never tells whether someone else is or was a member).
 */
export const BANNED_MESSAGE = 'This application cannot be accepted. Contact the maintainers.';

/**
 * Organisations compare without regard to case, spacing or punctuation ("Example, Inc." is
 * "example inc" is "EXAMPLEINC"); Unicode compatibility forms are folded first (NFKC), so that
 * full-width letters do not get round it either. Addresses compare without regard to case,
 * fingerprints as upper-case hex without spaces.
 */
export function normalisedBanValue(kind: BanKind, value: string): string {
  switch (kind) {
    case 'organisation':
      return value
        .normalize('NFKC')
        .toLowerCase()
        .replace(/[^\p{L}\p{N}]+/gu, '');
    case 'email':
      return value.trim().toLowerCase();
    case 'fingerprint':
      return value.replace(/\s+/g, '').toUpperCase();
  }
}

@Injectable()
export class Bans {
  constructor(private readonly audit: AuditLog) {}

  /**
   * Refuses, and changes nothing, when any of these is banned. An applicant is told no more than
   * BANNED_MESSAGE (code FORBIDDEN); a maintainer or operator (import, approval) is told which of
   * organisation, address or key is banned (code BANNED).
   */
  async refuseBanned(
    manager: EntityManager,
    candidate: WouldJoin,
    audience: 'applicant' | 'maintainer',
  ): Promise<void> {
    const values: { kind: BanKind; value: string }[] = [
      { kind: 'organisation' as const, value: normalisedBanValue('organisation', candidate.organisation) },
      ...candidate.emails.map((email) => ({ kind: 'email' as const, value: normalisedBanValue('email', email) })),
      ...candidate.fingerprints.map((fp) => ({
        kind: 'fingerprint' as const,
        value: normalisedBanValue('fingerprint', fp),
      })),
    ].filter(({ value }) => value !== '');
    const [hit] = (await manager.query(
      `SELECT b.kind FROM ban b JOIN unnest($1::text[], $2::text[]) AS c(kind, value)
       ON b.kind = c.kind AND b.value = c.value
       ORDER BY CASE b.kind WHEN 'organisation' THEN 0 WHEN 'email' THEN 1 ELSE 2 END LIMIT 1`,
      [values.map((v) => v.kind), values.map((v) => v.value)],
    )) as { kind: BanKind }[];
    if (!hit) return;
    if (audience === 'applicant') throw new DomainError('FORBIDDEN', BANNED_MESSAGE);
    const what = { organisation: 'organisation', email: 'address', fingerprint: 'key' }[hit.kind];
    throw new DomainError(
      'BANNED',
      `This ${what} is banned: a member was removed for good for leaking, and may not come back.`,
    );
  }

  /**
   * Bans a removed member's organisation, every address and every key fingerprint it was known
   * by: its own, its application's, and any key it replaced (found in its audit trail).
   */
  async banMember(manager: EntityManager, member: Member, reason: string, actor: Actor): Promise<void> {
    const [application] = member.applicationId
      ? ((await manager.query('SELECT organisation, contact_email, key_fingerprint FROM application WHERE id = $1', [
          member.applicationId,
        ])) as { organisation: string; contact_email: string; key_fingerprint: string }[])
      : [];
    const trail = await new AuditTrail().about(manager, `member:${member.id}`);
    const wanted = new Map<string, { kind: BanKind; value: string }>();
    const add = (kind: BanKind, raw: string | null | undefined) => {
      const value = raw ? normalisedBanValue(kind, raw) : '';
      if (value) wanted.set(`${kind}\u0000${value}`, { kind, value });
    };
    add('organisation', member.organisation);
    add('organisation', application?.organisation);
    add('email', member.email);
    add('email', application?.contact_email);
    add('fingerprint', member.keyFingerprint);
    add('fingerprint', application?.key_fingerprint);
    for (const { details } of trail) for (const fp of fingerprintsIn(details)) add('fingerprint', fp);

    const added: { kind: BanKind; value: string }[] = [];
    for (const ban of wanted.values()) {
      const inserted = (await manager.query(
        `INSERT INTO ban (id, kind, value, reason, member_id, created_at) VALUES ($1, $2, $3, $4, $5, now())
         ON CONFLICT (kind, value) DO NOTHING RETURNING id`,
        [randomUUID(), ban.kind, ban.value, reason, member.id],
      )) as unknown[];
      if (inserted.length) added.push(ban);
    }
    await this.audit.append(manager, {
      actor,
      action: 'member.banned',
      subject: `member:${member.id}`,
      details: {
        organisations: added.filter((b) => b.kind === 'organisation').map((b) => b.value),
        emails: added.filter((b) => b.kind === 'email').map((b) => b.value),
        fingerprints: added.filter((b) => b.kind === 'fingerprint').map((b) => b.value),
      },
    });
  }
}

/** Key fingerprints named anywhere in an audit entry's details (`keyFingerprint`, `oldKeyFingerprint`, ...). */
function fingerprintsIn(details: unknown): string[] {
  if (!details || typeof details !== 'object') return [];
  const found: string[] = [];
  for (const [key, value] of Object.entries(details)) {
    if (typeof value === 'string' && /fingerprint/i.test(key) && /^[0-9A-F]{40}([0-9A-F]{24})?$/i.test(value)) {
      found.push(value);
    } else if (typeof value === 'object') {
      found.push(...fingerprintsIn(value));
    }
  }
  return found;
}
