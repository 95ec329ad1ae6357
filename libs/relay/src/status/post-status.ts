import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SERVER_SECRET, ServerSecret } from '@cordon/crypto';
import { DomainError } from '@cordon/errors';

export interface PostSummary {
  id: string;
  createdAt: Date;
  signedAt: Date;
  maintainer: string;
  subject: string;
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

interface PostRow {
  id: string;
  created_at: Date;
  signed_at: Date;
  maintainer: string | null;
  subject_sealed: string;
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
      `${SUMMARY_SQL} GROUP BY p.id, mt.name ORDER BY p.created_at DESC LIMIT $1`,
      [limit],
    )) as PostRow[];
    return rows.map((r) => this.summary(r));
  }

  async get(postId: string): Promise<{ post: PostSummary; copies: CopyStatus[] }> {
    const [row] = (await this.dataSource.query(`${SUMMARY_SQL} WHERE p.id = $1 GROUP BY p.id, mt.name`, [
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
         count(d.id) FILTER (WHERE d.status = 'pending') AS pending,
         count(d.id) FILTER (WHERE d.status = 'sent') AS sent,
         count(d.id) FILTER (WHERE d.status = 'failed') AS failed,
         count(d.id) FILTER (WHERE d.status = 'skipped') AS skipped,
         count(d.id) FILTER (WHERE d.status = 'held') AS held
  FROM post p
  LEFT JOIN maintainer mt ON mt.id = p.maintainer_id
  LEFT JOIN post_delivery d ON d.post_id = p.id`;
