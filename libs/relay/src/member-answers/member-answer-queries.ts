import { Inject, Injectable } from '@nestjs/common';
import { simpleParser } from 'mailparser';
import { DataSource, EntityManager } from 'typeorm';
import { SERVER_SECRET, ServerSecret } from '@cordon/crypto';
import { DomainError } from '@cordon/errors';
import { embargoTag, EmbargoTags } from '@cordon/embargo';
import { MaintainerLookup } from '@cordon/maintainers';
import { MemberLookup } from '@cordon/membership';
import { ANSWER_CONTENT, ANSWER_SUBJECT } from './answer-sealing';

export interface MemberAnswerSummary {
  id: string;
  memberId: string;
  organisation: string;
  email: string;
  subject: string;
  /** `EMB-n`, when the subject named an embargo. */
  embargo: { id: string; tag: string } | null;
  signedAt: Date;
  createdAt: Date;
  released: { at: Date; by: string; postId: string } | null;
}

export interface MemberAnswerView extends MemberAnswerSummary {
  signerFingerprint: string;
  /** The text parts of what the member signed, decoded, for a maintainer to read before releasing. */
  text: string;
  /** File names of attachments, which go along when it is released. */
  attachments: string[];
}

interface Row {
  id: string;
  member_id: string;
  subject_sealed: string;
  embargo_id: string | null;
  signed_at: Date;
  created_at: Date;
  released_at: Date | null;
  released_by: string | null;
  released_post_id: string | null;
  signer_fingerprint: string;
}

/** A row with what the member, embargo and maintainer libs say of the ids it holds. */
interface Named extends Row {
  organisation: string;
  email: string;
  embargo_number: number | null;
  released_by_name: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SELECT = `
  SELECT id, member_id, subject_sealed, embargo_id, signed_at, created_at, released_at, released_by,
         released_post_id, signer_fingerprint
  FROM member_answer`;

/** Members' answers as the maintainers see them (issue 5): newest first; subject and content unsealed for them only. */
@Injectable()
export class MemberAnswerQueries {
  constructor(
    private readonly dataSource: DataSource,
    private readonly members: MemberLookup,
    private readonly embargoes: EmbargoTags,
    private readonly maintainers: MaintainerLookup,
    @Inject(SERVER_SECRET) private readonly secret: ServerSecret,
  ) {}

  async list(limit = 200): Promise<MemberAnswerSummary[]> {
    const rows = (await this.dataSource.query(`${SELECT} ORDER BY created_at DESC LIMIT $1`, [limit])) as Row[];
    return (await this.named(this.dataSource.manager, rows)).map((row) => this.summary(row));
  }

  async get(id: string): Promise<MemberAnswerView> {
    const found = UUID.test(id) ? ((await this.dataSource.query(`${SELECT} WHERE id = $1`, [id])) as Row[]) : [];
    const [row] = await this.named(this.dataSource.manager, found);
    if (!row) throw new DomainError('NOT_FOUND', 'There is no such answer.');
    const [{ content_sealed }] = (await this.dataSource.query(
      'SELECT content_sealed FROM member_answer WHERE id = $1',
      [id],
    )) as { content_sealed: string }[];
    const content = Buffer.from(this.secret.open(ANSWER_CONTENT, content_sealed), 'base64');
    const parsed = await simpleParser(content, { skipHtmlToText: false, skipTextToHtml: true, skipTextLinks: true });
    return {
      ...this.summary(row),
      signerFingerprint: row.signer_fingerprint,
      text: parsed.text ?? '',
      attachments: parsed.attachments.map((attachment) => attachment.filename ?? attachment.contentType),
    };
  }

  /**
   * Each row with its member's name and address, its embargo's number and its releaser's name, as
   * their own libs give them; a row whose member is gone is left out, as the join it replaces did.
   */
  private async named(manager: EntityManager, rows: Row[]): Promise<Named[]> {
    const members = await this.members.byIds(
      manager,
      rows.map((row) => row.member_id),
    );
    const embargoes = await this.embargoes.byIds(
      manager,
      rows.flatMap((row) => (row.embargo_id ? [row.embargo_id] : [])),
    );
    const releasers = await this.maintainers.byIds(
      manager,
      rows.flatMap((row) => (row.released_by ? [row.released_by] : [])),
    );
    return rows.flatMap((row) => {
      const member = members.get(row.member_id);
      if (!member) return [];
      return [
        {
          ...row,
          organisation: member.organisation,
          email: member.email,
          embargo_number: row.embargo_id ? (embargoes.get(row.embargo_id)?.number ?? null) : null,
          released_by_name: row.released_by ? (releasers.get(row.released_by)?.name ?? null) : null,
        },
      ];
    });
  }

  private summary(row: Named): MemberAnswerSummary {
    return {
      id: row.id,
      memberId: row.member_id,
      organisation: row.organisation,
      email: row.email,
      subject: this.secret.open(ANSWER_SUBJECT, row.subject_sealed),
      embargo:
        row.embargo_id && row.embargo_number !== null
          ? { id: row.embargo_id, tag: embargoTag(row.embargo_number) }
          : null,
      signedAt: new Date(row.signed_at),
      createdAt: new Date(row.created_at),
      released:
        row.released_at && row.released_post_id
          ? { at: new Date(row.released_at), by: row.released_by_name ?? '', postId: row.released_post_id }
          : null,
    };
  }
}
