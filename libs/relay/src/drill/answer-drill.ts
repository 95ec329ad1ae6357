import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { DomainError } from '@cordon/errors';
import { DrillAnswerVia, DrillRows } from './drill-rows';

export type DrillAnswer = { answered: 'now' | 'before'; at: Date; via: DrillAnswerVia };

/**
 * A member answers a fire drill (issue 14), by the button at /member/drill or a signed reply to
 * `-ack`. It counts only for a drill that is still running and that was sent to this member; any
 * other (a number no drill has, one that ended, one the member was not sent) changes nothing and
 * is refused with the same words, so an answer tells nobody which drills others are in; so is a
 * signed answer signed before the drill started. A second answer changes nothing either: the first
 * one stands. Audited `drill.answered`.
 */
@Injectable()
export class AnswerDrill {
  private readonly drills = new DrillRows();

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
  ) {}

  execute(memberId: string, number: number, via: DrillAnswerVia, now = new Date()): Promise<DrillAnswer> {
    return this.dataSource.transaction((manager) => this.inTransaction(manager, memberId, number, via, now));
  }

  async inTransaction(
    manager: EntityManager,
    memberId: string,
    number: number,
    via: DrillAnswerVia,
    now = new Date(),
    signedAt?: Date,
  ): Promise<DrillAnswer> {
    const drill = await this.drills.byNumber(manager, number, now, true);
    const [participant] = drill
      ? ((await manager.query(
          `SELECT answered_at, answered_via FROM drill_participant WHERE drill_id = $1 AND member_id = $2 FOR UPDATE`,
          [drill.id, memberId],
        )) as { answered_at: Date | null; answered_via: DrillAnswerVia | null }[])
      : [];
    if (!drill || drill.status !== 'running' || !participant) {
      throw new DomainError('NOT_FOUND', `There is no running drill ${number} sent to you to answer.`, 'number');
    }
    // A signed answer must be signed after the drill started (whole seconds, RFC 4880 §5.2.3.4): one
    // made earlier, by whoever held the key, proves nothing about this drill's mail arriving.
    if (signedAt && signedAt.getTime() < Math.floor(drill.startedAt.getTime() / 1000) * 1000) {
      throw new DomainError('WRONG_STATE', `The signature was made before drill ${number} started.`, 'number');
    }
    if (participant.answered_at && participant.answered_via) {
      return { answered: 'before', at: new Date(participant.answered_at), via: participant.answered_via };
    }
    await manager.query(
      `UPDATE drill_participant SET answered_at = $3, answered_via = $4 WHERE drill_id = $1 AND member_id = $2`,
      [drill.id, memberId, now, via],
    );
    await this.audit.append(manager, {
      actor: `member:${memberId}`,
      action: 'drill.answered',
      subject: `drill:${drill.id}`,
      details: { number: drill.number, memberId, via },
    });
    return { answered: 'now', at: now, via };
  }
}
