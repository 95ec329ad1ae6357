import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { Outbox } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { DrillRecipient, DrillRecipients } from '@cordon/membership';
import { ListAddresses } from '../ingress/list-addresses';
import { DrillRows } from './drill-rows';

/** What a drill mail is queued as (the outbound message's purpose). */
export const DRILL_PURPOSE = 'drill';

/** The statement a signed reply to `-ack` makes to answer drill `number`. */
export const drillStatement = (number: number) => `Drill ${number} received`;

/**
 * A maintainer starts a fire drill (issue 14): one signed test message, encrypted to each member
 * on the list alone (active, with a key that has not expired; the policy acknowledgement is not
 * needed, since a drill carries nothing of the list's content) through the Outbox, saying it is a
 * drill, its number, and the two ways to answer within DRILL_HOURS: the button at /member/drill,
 * or a signed reply to `-ack` saying `Drill <n> received`. One drill runs at a time. A member
 * whose key cannot be encrypted to is still a participant, with the reason its copy was not sent,
 * so the report shows it. Audited `drill.started` (counts and ids only).
 */
@Injectable()
export class StartDrill {
  private readonly logger = new Logger('drill');
  private readonly drills = new DrillRows();
  private readonly recipients = new DrillRecipients();

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly audit: AuditLog,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async execute(maintainerId: string, now = new Date()): Promise<{ id: string; number: number }> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('LOCK TABLE drill IN SHARE ROW EXCLUSIVE MODE');
      for (const ended of await this.drills.endPassed(manager, now)) {
        await this.audit.append(manager, {
          actor: 'system',
          action: 'drill.ended',
          subject: `drill:${ended.id}`,
          details: { number: ended.number },
        });
      }
      const [running] = (await manager.query(`SELECT number, ends_at FROM drill WHERE status = 'running'`)) as {
        number: number;
        ends_at: Date;
      }[];
      if (running) {
        throw new DomainError(
          'WRONG_STATE',
          `Drill ${running.number} runs until ${new Date(running.ends_at).toISOString()}; start the next one after it ends.`,
        );
      }
      const id = randomUUID();
      const endsAt = new Date(now.getTime() + this.settings.DRILL_HOURS * 3_600_000);
      const [{ number }] = (await manager.query(
        `INSERT INTO drill (id, started_by, started_at, ends_at, status) VALUES ($1, $2, $3, $4, 'running')
         RETURNING number`,
        [id, `maintainer:${maintainerId}`, now, endsAt],
      )) as { number: number }[];
      let sent = 0;
      const members = await this.recipients.active(manager, now);
      for (const member of members) {
        if (await this.enrol(manager, id, Number(number), endsAt, member)) sent++;
      }
      await this.audit.append(manager, {
        actor: `maintainer:${maintainerId}`,
        action: 'drill.started',
        subject: `drill:${id}`,
        details: { number: Number(number), endsAt: endsAt.toISOString(), members: members.length, sent },
      });
      this.logger.log(`drill ${number} started: ${sent} of ${members.length} members sent a copy`);
      return { id, number: Number(number) };
    });
  }

  /** Queues the member's copy and records it as a participant; false when no copy could be sealed. */
  private async enrol(
    manager: EntityManager,
    drillId: string,
    number: number,
    endsAt: Date,
    member: DrillRecipient,
  ): Promise<boolean> {
    let outboundId: string | null = null;
    let notSent: string | null = null;
    try {
      outboundId = await this.outbox.send(manager, {
        purpose: DRILL_PURPOSE,
        to: member.email,
        recipientKey: member.keyArmored,
        subject: `Fire drill ${number} of ${this.settings.LIST_NAME}: please answer`,
        text: this.text(number, endsAt),
      });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      notSent = error.code;
    }
    await manager.query(
      `INSERT INTO drill_participant (drill_id, member_id, email, key_fingerprint, outbound_message_id, not_sent_reason)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [drillId, member.id, member.email, member.keyFingerprint, outboundId, notSent],
    );
    return outboundId !== null;
  }

  private text(number: number, endsAt: Date): string {
    const ack = new ListAddresses(this.settings.LIST_ADDRESS).ack;
    return [
      `This is fire drill ${number} of ${this.settings.LIST_NAME} (${this.settings.LIST_ADDRESS}).`,
      `It is a test, not an embargo: it checks that list mail reaches you and that you can read it.`,
      ``,
      `Please answer by ${endsAt.toISOString().slice(0, 16).replace('T', ' ')} UTC (within ${this.settings.DRILL_HOURS} hours), in one of two ways:`,
      ``,
      `- on the web: sign in at ${this.settings.publicUrl}/member and press the button at`,
      `  ${this.settings.publicUrl}/member/drill`,
      `- by mail: send ${ack} a message signed with your membership key whose text says`,
      ``,
      `    ${drillStatement(number)}`,
      ``,
      `The maintainers see who answered, whose copy did not arrive and who did not answer.`,
    ].join('\n');
  }
}
