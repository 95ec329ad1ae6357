import { Inject, Injectable } from '@nestjs/common';
import { simpleParser } from 'mailparser';
import { DataSource } from 'typeorm';
import { SERVER_SECRET, ServerSecret } from '@cordon/crypto';
import { DomainError } from '@cordon/errors';
import { embargoTag } from '@cordon/embargo';
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
  organisation: string;
  email: string;
  subject_sealed: string;
  embargo_id: string | null;
  embargo_number: number | null;
  signed_at: Date;
  created_at: Date;
  released_at: Date | null;
  released_by_name: string | null;
  released_post_id: string | null;
  signer_fingerprint: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SELECT = `
  SELECT a.id, a.member_id, m.organisation, m.email, a.subject_sealed, a.embargo_id, e.number AS embargo_number,
         a.signed_at, a.created_at, a.released_at, r.name AS released_by_name, a.released_post_id, a.signer_fingerprint
  FROM member_answer a
  JOIN member m ON m.id = a.member_id
  LEFT JOIN embargo e ON e.id = a.embargo_id
  LEFT JOIN maintainer r ON r.id = a.released_by`;

/** Members' answers as the maintainers see them (issue 5): newest first; subject and content unsealed for them only. */
@Injectable()
export class MemberAnswerQueries {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVER_SECRET) private readonly secret: ServerSecret,
  ) {}

  async list(limit = 200): Promise<MemberAnswerSummary[]> {
    const rows = (await this.dataSource.query(`${SELECT} ORDER BY a.created_at DESC LIMIT $1`, [limit])) as Row[];
    return rows.map((row) => this.summary(row));
  }

  async get(id: string): Promise<MemberAnswerView> {
    const [row] = UUID.test(id) ? ((await this.dataSource.query(`${SELECT} WHERE a.id = $1`, [id])) as Row[]) : [];
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

  private summary(row: Row): MemberAnswerSummary {
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
