import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { InboundMessage } from '../ingress';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Bounces come back to `<list>-bounces+<copy id>@` (VERP): the address itself names the copy that
 * failed, so no parsing of the many DSN dialects is needed to find the failing member. The copy is
 * marked failed and the maintainers see it in the post's delivery status.
 */
@Injectable()
export class Bounces {
  constructor(private readonly audit: AuditLog) {}

  async record(manager: EntityManager, inbound: InboundMessage): Promise<boolean> {
    const deliveryId = inbound.verpToken;
    if (!deliveryId || !UUID.test(deliveryId)) return false;
    const [rows] = (await manager.query(
      `UPDATE post_delivery SET status = 'failed', reason = 'bounced', last_error = 'bounced after delivery'
       WHERE id = $1 AND status IN ('sent', 'pending') RETURNING member_id`,
      [deliveryId],
    )) as [{ member_id: string }[], number];
    if (!rows?.length) return false;
    await this.audit.append(manager, {
      actor: 'system',
      action: 'post.copy_bounced',
      subject: `post_delivery:${deliveryId}`,
      details: { memberId: rows[0].member_id, inboundMessageId: inbound.id },
    });
    return true;
  }
}
