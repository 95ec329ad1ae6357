import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SERVER_SECRET, ServerSecret } from '@cordon/crypto';
import { EmbargoTags, embargoTag } from '@cordon/embargo';
import { DomainError } from '@cordon/errors';
import { MaintainerLookup } from '@cordon/maintainers';
import { MemberLookup } from '@cordon/membership';

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
  maintainer_id: string;
  subject_sealed: string;
  embargo_id: string | null;
  pending: string;
  sent: string;
  failed: string;
  skipped: string;
  held: string;
}

/** Who sent the posts, and the tags of their embargoes, by id: asked of their owners. */
interface Names {
  maintainers: Map<string, { name: string }>;
  embargoes: Map<string, { number: number }>;
}

/**
 * Per-post delivery status for maintainers (issue 4, "Delivery"): who got it, who is pending, who
 * failed, who was skipped and why. The subject is stored sealed and opened only for this view. The
 * names beside the relay's rows (maintainers, members, embargo tags) come from the libs that own
 * them (docs/architecture.md, Layout).
 */
@Injectable()
export class PostStatusQueries {
  private readonly maintainers = new MaintainerLookup();
  private readonly members = new MemberLookup();
  private readonly embargoes = new EmbargoTags();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVER_SECRET) private readonly secret: ServerSecret,
  ) {}

  async list(limit = 200): Promise<PostSummary[]> {
    const rows = (await this.dataSource.query(`${SUMMARY_SQL} GROUP BY p.id ORDER BY p.created_at DESC LIMIT $1`, [
      limit,
    ])) as PostRow[];
    return this.summaries(rows);
  }

  /** The posts of one embargo, oldest first. */
  async forEmbargo(embargoId: string): Promise<PostSummary[]> {
    const rows = (await this.dataSource.query(
      `${SUMMARY_SQL} WHERE p.embargo_id = $1 GROUP BY p.id ORDER BY p.created_at`,
      [embargoId],
    )) as PostRow[];
    return this.summaries(rows);
  }

  /** Per member, what became of the embargo's posts: who received them, and who did not and why. */
  async recipientsOfEmbargo(embargoId: string): Promise<EmbargoRecipient[]> {
    const rows = (await this.dataSource.query(
      `SELECT d.member_id,
              count(*) FILTER (WHERE d.status = 'sent') AS delivered,
              count(*) FILTER (WHERE d.status IN ('pending', 'held')) AS waiting,
              count(*) FILTER (WHERE d.status IN ('failed', 'skipped')) AS not_delivered,
              array_remove(array_agg(DISTINCT d.reason) FILTER (WHERE d.status IN ('failed', 'skipped', 'held')), NULL)
                AS reasons,
              max(d.sent_at) AS last_delivered_at
       FROM post_delivery d JOIN post p ON p.id = d.post_id
       WHERE p.embargo_id = $1
       GROUP BY d.member_id`,
      [embargoId],
    )) as {
      member_id: string;
      delivered: string;
      waiting: string;
      not_delivered: string;
      reasons: string[] | null;
      last_delivered_at: Date | null;
    }[];
    const members = await this.members.byIds(
      this.dataSource.manager,
      rows.map((r) => r.member_id),
    );
    const recipients = rows.map((r) => ({
      memberId: r.member_id,
      organisation: members.get(r.member_id)?.organisation ?? '',
      email: members.get(r.member_id)?.email ?? '',
      delivered: Number(r.delivered),
      waiting: Number(r.waiting),
      notDelivered: Number(r.not_delivered),
      reasons: r.reasons ?? [],
      lastDeliveredAt: r.last_delivered_at ? new Date(r.last_delivered_at) : null,
    }));
    return recipients.sort((a, b) => byText(a.organisation, b.organisation) || byText(a.email, b.email));
  }

  async get(postId: string): Promise<{ post: PostSummary; copies: CopyStatus[] }> {
    const rows = (await this.dataSource.query(`${SUMMARY_SQL} WHERE p.id = $1 GROUP BY p.id`, [postId])) as PostRow[];
    if (rows.length === 0) throw new DomainError('NOT_FOUND', 'There is no such post.');
    const copies = (await this.dataSource.query(
      `SELECT member_id AS "memberId", recipient, status, reason, attempts, sent_at AS "sentAt",
              last_error AS "lastError"
       FROM post_delivery WHERE post_id = $1`,
      [postId],
    )) as Omit<CopyStatus, 'organisation'>[];
    const members = await this.members.byIds(
      this.dataSource.manager,
      copies.map((copy) => copy.memberId),
    );
    const named = copies.map((copy) => ({ ...copy, organisation: members.get(copy.memberId)?.organisation ?? '' }));
    named.sort((a, b) => byText(a.status, b.status) || byText(a.organisation, b.organisation));
    const [post] = await this.summaries(rows);
    return { post, copies: named };
  }

  private async summaries(rows: PostRow[]): Promise<PostSummary[]> {
    const manager = this.dataSource.manager;
    const names: Names = {
      maintainers: await this.maintainers.byIds(
        manager,
        rows.map((r) => r.maintainer_id),
      ),
      embargoes: await this.embargoes.byIds(
        manager,
        rows.flatMap((r) => (r.embargo_id ? [r.embargo_id] : [])),
      ),
    };
    return rows.map((r) => this.summary(r, names));
  }

  private summary(r: PostRow, names: Names): PostSummary {
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
      maintainer: names.maintainers.get(r.maintainer_id)?.name ?? '(unknown)',
      subject,
      embargo: r.embargo_id ? embargoOf(r.embargo_id, names) : null,
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

/** The post's embargo and its tag; a post's embargo is never deleted (its foreign key keeps it). */
function embargoOf(id: string, names: Names): { id: string; tag: string } {
  const embargo = names.embargoes.get(id);
  return { id, tag: embargo ? embargoTag(embargo.number) : '(unknown)' };
}

function byText(a: string, b: string): number {
  return a.localeCompare(b);
}

const SUMMARY_SQL = `
  SELECT p.id, p.created_at, p.signed_at, p.subject_sealed, p.maintainer_id, p.embargo_id,
         count(d.id) FILTER (WHERE d.status = 'pending') AS pending,
         count(d.id) FILTER (WHERE d.status = 'sent') AS sent,
         count(d.id) FILTER (WHERE d.status = 'failed') AS failed,
         count(d.id) FILTER (WHERE d.status = 'skipped') AS skipped,
         count(d.id) FILTER (WHERE d.status = 'held') AS held
  FROM post p
  LEFT JOIN post_delivery d ON d.post_id = p.id`;
