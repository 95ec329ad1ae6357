import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { EmbargoTags, HeldMail } from '@cordon/embargo';
import { DomainError } from '@cordon/errors';

/**
 * A post sent without an `[EMB-n]` tag is linked to its embargo afterwards by a maintainer
 * (issue 5): to an existing one, or to one opened from the post. A post belongs to one embargo;
 * a link, once made, is not moved (the record would otherwise say two different things).
 */
@Injectable()
export class LinkPostToEmbargo {
  /** The embargo's state, from the embargo lib (docs/architecture.md, Layout). */
  private readonly embargoes = new EmbargoTags();

  constructor(
    private readonly audit: AuditLog,
    private readonly heldMail: HeldMail,
  ) {}

  async link(manager: EntityManager, postId: string, embargoId: string, maintainerId: string): Promise<void> {
    const [post] = (await manager.query('SELECT embargo_id FROM post WHERE id = $1 FOR UPDATE', [postId])) as {
      embargo_id: string | null;
    }[];
    if (!post) throw new DomainError('NOT_FOUND', 'There is no such post.');
    if (post.embargo_id === embargoId) return;
    if (post.embargo_id) throw new DomainError('WRONG_STATE', 'This post already belongs to an embargo.', 'embargoId');
    const embargo = (await this.embargoes.byIds(manager, [embargoId])).get(embargoId);
    if (!embargo) throw new DomainError('INVALID_INPUT', 'There is no such embargo.', 'embargoId');
    await manager.query('UPDATE post SET embargo_id = $2 WHERE id = $1', [postId, embargoId]);
    await this.audit.append(manager, {
      actor: `maintainer:${maintainerId}`,
      action: 'post.linked_to_embargo',
      subject: `post:${postId}`,
      details: { embargoId },
    });
    // Linked to an embargo that has already ended: what was held for this post never goes out.
    if (embargo.ended) await this.heldMail.withdrawForEmbargo(manager, embargoId);
  }
}
