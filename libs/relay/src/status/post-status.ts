import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SERVER_SECRET, ServerSecret } from '@cordon/crypto';
import { embargoTag } from '@cordon/embargo';
import { DomainError } from '@cordon/errors';

export interface PostSummary {
  id: string;
  createdAt: Date;
  signedAt: Date;
  maintainer: string;
  subject: string;
  /** The embargo the post belongs to, if any: its id and `EMB-n` tag. */
  embargo: { id: string; tag: string } | null;
  counts: Record<'pending' | 'sent' | 'failed' | 'skipped' | 'held', number>;
}

export interface CopyStatus {
  memberId: string;
  organisation: string;
  recipient: string;
  status: 'pending' | 'sent' | 'failed' | 'skipped' | 'held';
  reason: string | null;
  attempts: number;
  sentAt: Date | null;
  lastError: string | null;
}

/** Who received an embargo's posts: one row per member that any of them was meant for. */
export interface EmbargoRecipient {
  memberId: string;
  organisation: string;
  email: string;
  /** Posts of the embargo delivered to this member, and those still to go (pending or held). */
  delivered: number;
  waiting: number;
  /** Failed or skipped (with the reasons). */
  notDelivered: number;
  reasons: string[];
  lastDeliveredAt: Date | null;
}

interface PostRow {
  id: string;
  created_at: Date;
  signed_at: Date;
  maintainer: string | null;
  subject_sealed: string;
  embargo_id: string | null;
  embargo_number: number | null;
  pending: string;
  sent: string;
  failed: string;
  skipped: string;
  held: string;
}

/**
 * Per-post delivery status for maintainers (issue 4, "Delivery"): who got it, who is pending, who
 * failed, who was skipped and why. The subject is stored sealed and opened only for this view.
 */
@Injectable()
export class PostStatusQueries {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVER_SECRET) private readonly secret: ServerSecret,
  ) {}

  async list(limit = 200): Promise<PostSummary[]> {
    const rows = (await this.dataSource.query(
      `${SUMMARY_SQL} GROUP BY p.id, mt.name, e.number ORDER BY p.created_at DESC LIMIT $1`,
      [limit],
    )) as PostRow[];
    return rows.map((r) => this.summary(r));
  }

  /** The posts of one embargo, oldest first. */
  async forEmbargo(embargoId: string): Promise<PostSummary[]> {
    const rows = (await this.dataSource.query(
      `${SUMMARY_SQL} WHERE p.embargo_id = $1 GROUP BY p.id, mt.name, e.number ORDER BY p.created_at`,
      [embargoId],
    )) as PostRow[];
    return rows.map((r) => this.summary(r));
  }

  /** Per member, what became of the embargo's posts: who received them, and who did not and why. */
  async recipientsOfEmbargo(embargoId: string): Promise<EmbargoRecipient[]> {
    const rows = (await this.dataSource.query(
      `SELECT d.member_id, m.organisation, m.email,
              count(*) FILTER (WHERE d.status = 'sent') AS delivered,
              count(*) FILTER (WHERE d.status IN ('pending', 'held')) AS waiting,
              count(*) FILTER (WHERE d.status IN ('failed', 'skipped')) AS not_delivered,
              array_remove(array_agg(DISTINCT d.reason) FILTER (WHERE d.status IN ('failed', 'skipped', 'held')), NULL)
                AS reasons,
              max(d.sent_at) AS last_delivered_at
       FROM post_delivery d JOIN post p ON p.id = d.post_id JOIN member m ON m.id = d.member_id
       WHERE p.embargo_id = $1
       GROUP BY d.member_id, m.organisation, m.email
       ORDER BY m.organisation, m.email`,
      [embargoId],
    )) as {
      member_id: string;
      organisation: string;
      email: string;
      delivered: string;
      waiting: string;
      not_delivered: string;
      reasons: string[] | null;
      last_delivered_at: Date | null;
    }[];
    return rows.map((r) => ({
      memberId: r.member_id,
      organisation: r.organisation,
      email: r.email,
      delivered: Number(r.delivered),
      waiting: Number(r.waiting),
      notDelivered: Number(r.not_delivered),
      reasons: r.reasons ?? [],
      lastDeliveredAt: r.last_delivered_at ? new Date(r.last_delivered_at) : null,
    }));
  }

  async get(postId: string): Promise<{ post: PostSummary; copies: CopyStatus[] }> {
    const [row] = (await this.dataSource.query(`${SUMMARY_SQL} WHERE p.id = $1 GROUP BY p.id, mt.name, e.number`, [
      postId,
    ])) as PostRow[];
    if (!row) throw new DomainError('NOT_FOUND', 'There is no such post.');
    const copies = (await this.dataSource.query(
      `SELECT d.member_id AS "memberId", m.organisation, d.recipient, d.status, d.reason, d.attempts,
              d.sent_at AS "sentAt", d.last_error AS "lastError"
       FROM post_delivery d JOIN member m ON m.id = d.member_id
       WHERE d.post_id = $1 ORDER BY d.status, m.organisation`,
      [postId],
    )) as CopyStatus[];
    return { post: this.summary(row), copies };
  }

  private summary(r: PostRow): PostSummary {
    let subject: string;
    try {
      subject = this.secret.open('post-subject', r.subject_sealed);
    } catch {
      subject = '(subject cannot be opened with this server secret)';
    }
    return {
      id: r.id,
      createdAt: new Date(r.created_at),
      signedAt: new Date(r.signed_at),
      maintainer: r.maintainer ?? '(unknown)',
      subject,
      embargo: r.embargo_id ? { id: r.embargo_id, tag: embargoTag(r.embargo_number!) } : null,
      counts: {
        pending: Number(r.pending),
        sent: Number(r.sent),
        failed: Number(r.failed),
        skipped: Number(r.skipped),
        held: Number(r.held),
      },
    };
  }
}

const SUMMARY_SQL = `
  SELECT p.id, p.created_at, p.signed_at, p.subject_sealed, mt.name AS maintainer,
         p.embargo_id, e.number AS embargo_number,
         count(d.id) FILTER (WHERE d.status = 'pending') AS pending,
         count(d.id) FILTER (WHERE d.status = 'sent') AS sent,
         count(d.id) FILTER (WHERE d.status = 'failed') AS failed,
         count(d.id) FILTER (WHERE d.status = 'skipped') AS skipped,
         count(d.id) FILTER (WHERE d.status = 'held') AS held
  FROM post p
  LEFT JOIN maintainer mt ON mt.id = p.maintainer_id
  LEFT JOIN embargo e ON e.id = p.embargo_id
  LEFT JOIN post_delivery d ON d.post_id = p.id`;
