import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { DomainError } from '@cordon/errors';
import { MemberLookup } from '@cordon/membership';
import { Policies } from '@cordon/policy';
import { DateAnswerKind, dateAnswers, EmbargoDateAnswer } from './date-answer.entity';
import { embargoTag } from './embargo-queries';
import { Embargo } from './embargo.entity';

export const DATE_COMMENT_MAX = 2000;

export interface DateAnswerInput {
  answer: DateAnswerKind;
  comment: string;
}

/** An answer as maintainers read it on the embargo page, with who gave it. */
export interface DateAnswerView {
  memberId: string;
  organisation: string;
  email: string;
  answer: DateAnswerKind;
  comment: string;
  /** The public moment answered to (ISO), and whether the embargo's date has changed since. */
  publicAt: string;
  stale: boolean;
  answeredAt: string;
}

/**
 * The disclosure date is negotiated with the distributors (issue 5): a member accepts or objects
 * to an embargo's proposed date, with a comment. Only a member who may read the embargo answers
 * (active, current policy acknowledged: the embargo itself is embargoed information), only while
 * it runs. A new answer replaces the member's previous one; the audit log keeps the history.
 */
@Injectable()
export class DateAnswers {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly policies: Policies,
  ) {}

  async answer(memberId: string, embargoId: string, input: DateAnswerInput): Promise<EmbargoDateAnswer> {
    if (!dateAnswers.includes(input.answer)) {
      throw new DomainError('INVALID_INPUT', 'Choose whether you accept or object to the date.', 'answer');
    }
    const comment = input.comment.trim();
    if (comment.length > DATE_COMMENT_MAX) {
      throw new DomainError('INVALID_INPUT', `The comment must be at most ${DATE_COMMENT_MAX} characters.`, 'comment');
    }
    if (input.answer === 'object' && !comment) {
      throw new DomainError('INVALID_INPUT', 'Say why you object, and which date would work for you.', 'comment');
    }
    return this.dataSource.transaction(async (manager) => {
      const policy = await this.policies.current(manager);
      const member = await new MemberLookup().lockedById(manager, memberId);
      if (member?.status !== 'active' || member.acknowledgedPolicyVersion !== policy.version) {
        throw new DomainError(
          'FORBIDDEN',
          'Only an active member who has acknowledged the current Embargo Policy answers embargo dates.',
        );
      }
      const embargo = await manager.findOne(Embargo, { where: { id: embargoId }, lock: { mode: 'pessimistic_write' } });
      if (!embargo) throw new DomainError('NOT_FOUND', 'There is no such embargo.');
      if (embargo.status !== 'active') {
        throw new DomainError(
          'WRONG_STATE',
          `This embargo is ${embargo.status}: its date is no longer open.`,
          'answer',
        );
      }
      const previous = await manager.findOneBy(EmbargoDateAnswer, { embargoId, memberId });
      const row = manager.create(EmbargoDateAnswer, {
        embargoId,
        memberId,
        answer: input.answer,
        comment,
        publicAt: embargo.publicAt,
        answeredAt: new Date(),
      });
      if (previous) {
        await manager.update(
          EmbargoDateAnswer,
          { embargoId, memberId },
          {
            answer: row.answer,
            comment: row.comment,
            publicAt: row.publicAt,
            answeredAt: row.answeredAt,
          },
        );
      } else {
        await manager.insert(EmbargoDateAnswer, row);
      }
      await this.audit.append(manager, {
        actor: `member:${memberId}`,
        action: 'embargo.date_answered',
        subject: `embargo:${embargoId}`,
        details: {
          embargo: embargoTag(embargo.number),
          memberId,
          answer: row.answer,
          comment: row.comment,
          publicAt: row.publicAt.toISOString(),
          replaces: previous
            ? { answer: previous.answer, comment: previous.comment, answeredAt: previous.answeredAt.toISOString() }
            : null,
        },
      });
      return row;
    });
  }

  /** Every member's answer to one embargo, objections first, then by time. */
  async forEmbargo(embargoId: string): Promise<DateAnswerView[]> {
    const rows = (await this.dataSource.query(
      `SELECT a.member_id, a.answer, a.comment, a.public_at, a.answered_at, a.public_at <> e.public_at AS stale
       FROM embargo_date_answer a JOIN embargo e ON e.id = a.embargo_id
       WHERE a.embargo_id = $1
       ORDER BY a.answer DESC, a.answered_at`,
      [embargoId],
    )) as {
      member_id: string;
      answer: DateAnswerKind;
      comment: string;
      public_at: Date;
      answered_at: Date;
      stale: boolean;
    }[];
    const members = await new MemberLookup().byIds(
      this.dataSource.manager,
      rows.map((r) => r.member_id),
    );
    // Every answer is a member's (a foreign key): the lookup finds each.
    return rows.map((r) => ({
      memberId: r.member_id,
      organisation: members.get(r.member_id)!.organisation,
      email: members.get(r.member_id)!.email,
      answer: r.answer,
      comment: r.comment,
      publicAt: new Date(r.public_at).toISOString(),
      stale: r.stale,
      answeredAt: new Date(r.answered_at).toISOString(),
    }));
  }

  /** A member's own answers, by embargo id. */
  async ofMember(memberId: string): Promise<Map<string, EmbargoDateAnswer>> {
    const rows = await this.dataSource.getRepository(EmbargoDateAnswer).findBy({ memberId });
    return new Map(rows.map((row) => [row.embargoId, row]));
  }
}
