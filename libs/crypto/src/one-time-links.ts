import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DomainError } from '@cordon/errors';
import { hashToken, newToken } from './secure-token';

export type LinkPurpose =
  | 'confirm_application'
  | 'vouch'
  | 'maintainer_enrol'
  | 'member_session'
  | 'team_member_ack'
  | 'member_key_proof'
  | 'invitation'
  | 'member_email_proof'
  | 'maintainer_key_proof';

/**
 * Single-use, short-lived link tokens (docs/architecture.md, invariant 6). The token travels in encrypted mail
 * or is printed once; the database keeps only its SHA-256. Every failure looks the same to the
 * visitor — unknown, used and expired links are one refusal — so a link reveals nothing.
 */
@Injectable()
export class OneTimeLinks {
  async issue(manager: EntityManager, purpose: LinkPurpose, subjectId: string, ttlHours: number): Promise<string> {
    const { token, hash } = newToken();
    const expiresAt = new Date(Date.now() + ttlHours * 3_600_000);
    await manager.query('INSERT INTO one_time_token (hash, purpose, subject_id, expires_at) VALUES ($1, $2, $3, $4)', [
      hash,
      purpose,
      subjectId,
      expiresAt,
    ]);
    return token;
  }

  /** The subject a still-valid link points to, without using it up (to show the page behind it). */
  async peek(manager: EntityManager, purpose: LinkPurpose, token: string): Promise<string> {
    const rows = (await manager.query(
      `SELECT subject_id FROM one_time_token
       WHERE hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()`,
      [hashToken(token), purpose],
    )) as { subject_id: string }[];
    if (!rows.length) throw invalidLink();
    return rows[0].subject_id;
  }

  /** Uses the link up, atomically: of two concurrent uses, one wins and the other is refused. */
  async consume(manager: EntityManager, purpose: LinkPurpose, token: string): Promise<string> {
    const result = (await manager.query(
      `UPDATE one_time_token SET used_at = now()
       WHERE hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
       RETURNING subject_id`,
      [hashToken(token), purpose],
    )) as [{ subject_id: string }[], number];
    const rows = result[0];
    if (!rows?.length) throw invalidLink();
    return rows[0].subject_id;
  }

  /** Withdraws every open link of a purpose for a subject (a new link replaces the old one). */
  async revokeAll(manager: EntityManager, purpose: LinkPurpose, subjectId: string): Promise<void> {
    await manager.query(
      'UPDATE one_time_token SET used_at = now() WHERE purpose = $1 AND subject_id = $2 AND used_at IS NULL',
      [purpose, subjectId],
    );
  }
}

function invalidLink(): DomainError {
  return new DomainError(
    'LINK_INVALID',
    'This link is not valid: it may have been used already or have expired. Ask for a new one.',
  );
}
