import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { QueuedMail } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { DrillRecipients } from '@cordon/membership';
import { DrillAnswerVia, DrillRow, DrillRows, DrillStatus } from './drill-rows';

/** A key that expires within this many days of the report is flagged (issue 14). */
export const DRILL_KEY_WARNING_DAYS = 30;

export interface DrillSummary {
  number: number;
  status: DrillStatus;
  startedBy: string;
  startedAt: Date;
  endsAt: Date;
  members: number;
  answered: number;
  /** answered / members, 0 for a drill sent to nobody. */
  answerRate: number;
}

/**
 * What became of the member's copy: queued (not yet handed to the relay), sent, failed (refused
 * by the relay, bounced or out of retries), or not_sent (its key could not be encrypted to).
 */
export type DrillCopyState = 'queued' | 'sent' | 'failed' | 'not_sent';

export interface DrillParticipantView {
  memberId: string;
  organisation: string;
  email: string;
  keyFingerprint: string;
  copy: DrillCopyState;
  /** Why it failed or was not sent (the relay's error, or the key's refusal code). */
  copyProblem: string | null;
  answeredAt: Date | null;
  answeredVia: DrillAnswerVia | null;
  /** The member's key now: when it expires, and whether within DRILL_KEY_WARNING_DAYS. */
  keyExpiresAt: Date | null;
  keyExpiresSoon: boolean;
  /** The drill ended without an answer from this member. */
  neverAnswered: boolean;
}

export interface DrillReport extends DrillSummary {
  participants: DrillParticipantView[];
}

/** A running drill as the member it was sent to sees it on /member/drill. */
export interface MemberDrill {
  number: number;
  endsAt: Date;
  answeredAt: Date | null;
  answeredVia: DrillAnswerVia | null;
}

interface ParticipantRow {
  member_id: string;
  email: string;
  key_fingerprint: string;
  outbound_message_id: string | null;
  not_sent_reason: string | null;
  answered_at: Date | null;
  answered_via: DrillAnswerVia | null;
}

/**
 * The drills' reports (issue 14) for the admin pages and the API: who answered (when, how), whose
 * copy failed (asked of the delivery lib's QueuedMail), whose key expires within
 * DRILL_KEY_WARNING_DAYS (asked of membership), and, once the drill ended, who never answered.
 */
@Injectable()
export class DrillReports {
  private readonly drills = new DrillRows();
  private readonly mail = new QueuedMail();
  private readonly members = new DrillRecipients();

  constructor(private readonly dataSource: DataSource) {}

  async list(now = new Date()): Promise<DrillSummary[]> {
    return this.dataSource.transaction(async (manager) => {
      const counts = (await manager.query(
        `SELECT drill_id, count(*)::int AS members, count(answered_at)::int AS answered
         FROM drill_participant GROUP BY drill_id`,
      )) as { drill_id: string; members: number; answered: number }[];
      const byDrill = new Map(counts.map((c) => [c.drill_id, c]));
      return (await this.drills.all(manager, now)).map((drill) =>
        summary(drill, byDrill.get(drill.id)?.members ?? 0, byDrill.get(drill.id)?.answered ?? 0),
      );
    });
  }

  /** Drill `number`'s report; NOT_FOUND when there is none. */
  async get(number: number, now = new Date()): Promise<DrillReport> {
    return this.dataSource.transaction(async (manager) => {
      const drill = await this.drills.byNumber(manager, number, now);
      if (!drill) throw new DomainError('NOT_FOUND', `There is no drill ${number}.`);
      return this.report(manager, drill, now);
    });
  }

  /** The running drills sent to this member, the latest first. */
  async forMember(memberId: string, now = new Date()): Promise<MemberDrill[]> {
    const rows = (await this.dataSource.query(
      `SELECT d.number, d.ends_at, p.answered_at, p.answered_via
       FROM drill d JOIN drill_participant p ON p.drill_id = d.id
       WHERE p.member_id = $1 AND d.status = 'running' AND d.ends_at > $2 ORDER BY d.number DESC`,
      [memberId, now],
    )) as { number: number; ends_at: Date; answered_at: Date | null; answered_via: DrillAnswerVia | null }[];
    return rows.map((row) => ({
      number: Number(row.number),
      endsAt: new Date(row.ends_at),
      answeredAt: row.answered_at === null ? null : new Date(row.answered_at),
      answeredVia: row.answered_via,
    }));
  }

  private async report(manager: EntityManager, drill: DrillRow, now: Date): Promise<DrillReport> {
    const rows = (await manager.query(
      `SELECT member_id, email, key_fingerprint, outbound_message_id, not_sent_reason, answered_at, answered_via
       FROM drill_participant WHERE drill_id = $1`,
      [drill.id],
    )) as ParticipantRow[];
    const copies = await this.mail.states(
      manager,
      rows.flatMap((row) => (row.outbound_message_id ? [row.outbound_message_id] : [])),
    );
    const members = await this.members.byIds(
      manager,
      rows.map((row) => row.member_id),
    );
    const soon = now.getTime() + DRILL_KEY_WARNING_DAYS * 86_400_000;
    const participants = rows.map((row): DrillParticipantView => {
      const member = members.get(row.member_id);
      const copy = row.outbound_message_id ? copies.get(row.outbound_message_id) : undefined;
      const keyExpiresAt = member?.keyExpiresAt ?? null;
      return {
        memberId: row.member_id,
        organisation: member?.organisation ?? '',
        email: row.email,
        keyFingerprint: row.key_fingerprint,
        copy: !copy ? 'not_sent' : copy.status === 'pending' ? 'queued' : copy.status,
        copyProblem: !copy ? (row.not_sent_reason ?? 'not queued') : copy.status === 'failed' ? copy.lastError : null,
        answeredAt: row.answered_at === null ? null : new Date(row.answered_at),
        answeredVia: row.answered_via,
        keyExpiresAt,
        keyExpiresSoon: keyExpiresAt !== null && keyExpiresAt.getTime() <= soon,
        neverAnswered: drill.status === 'ended' && row.answered_at === null,
      };
    });
    participants.sort((a, b) => a.organisation.localeCompare(b.organisation) || a.memberId.localeCompare(b.memberId));
    return {
      ...summary(drill, participants.length, participants.filter((p) => p.answeredAt).length),
      participants,
    };
  }
}

function summary(drill: DrillRow, members: number, answered: number): DrillSummary {
  return {
    number: drill.number,
    status: drill.status,
    startedBy: drill.startedBy,
    startedAt: drill.startedAt,
    endsAt: drill.endsAt,
    members,
    answered,
    answerRate: members ? answered / members : 0,
  };
}
