import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, AuditLog } from '@cordon/audit';
import { DomainError } from '@cordon/errors';
import { Maintainer, MaintainerStatus } from './maintainer.entity';

/**
 * disable   - another maintainer (or the operator) stops a maintainer; can be undone by `enable`
 * enable    - a disabled maintainer comes back: active if it had enrolled, else invited
 * remove    - for good: the row stays for the audit trail, its password and TOTP seed are erased
 * step_down - a maintainer disables itself
 */
export type StandingChange = 'disable' | 'enable' | 'remove' | 'step_down';

export interface StandingChangeRequest {
  change: StandingChange;
  /** The maintainer's id (UI, API) or address (CLI). */
  maintainer: { id: string } | { email: string };
  actor: Actor;
}

export interface StandingChanged {
  maintainerId: string;
  name: string;
  email: string;
  status: MaintainerStatus;
  /** API tokens revoked by this change: a maintainer leaving loses every token at once. */
  tokensRevoked: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Statuses that may sign posts and hear maintainer mail (libs/relay OpenStage, Outbox.sendToMaintainers). */
const inStanding: readonly MaintainerStatus[] = ['invited', 'active'];

const audited: Record<StandingChange, string> = {
  disable: 'maintainer.disabled',
  enable: 'maintainer.enabled',
  remove: 'maintainer.removed',
  step_down: 'maintainer.stepped_down',
};

/**
 * Changes who is a maintainer. Every other check of a maintainer's standing reads the status this
 * writes, on each request or message, so a disabled or removed maintainer's signature is refused,
 * its admin session ends and it hears no maintainer mail from the moment this commits; its API
 * tokens are revoked in the same transaction. The last active maintainer (or, while none has
 * enrolled, the last one in standing) can be neither disabled, removed nor step down: someone must
 * still be able to run the list.
 */
@Injectable()
export class ChangeMaintainerStanding {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
  ) {}

  async execute(request: StandingChangeRequest): Promise<StandingChanged> {
    return this.dataSource.transaction(async (manager) => {
      // Every maintainer in standing, locked in one order: two maintainers disabling each other at
      // the same moment are taken one after the other, so the second sees it would be the last.
      const standing = (await manager.query(
        `SELECT id, status FROM maintainer WHERE status IN ('invited', 'active') ORDER BY id FOR UPDATE`,
      )) as { id: string; status: MaintainerStatus }[];
      const target = await this.find(manager, request.maintainer);
      if (request.change === 'step_down' && request.actor !== `maintainer:${target.id}`) {
        throw new DomainError('FORBIDDEN', 'Only a maintainer can step down, and only itself.');
      }
      const next = nextStatus(request.change, target);
      if (next !== 'invited' && next !== 'active') assertNotLast(target, standing);

      await manager.update(
        Maintainer,
        { id: target.id },
        next === 'removed'
          ? { status: next, passwordHash: null, totpSecretSealed: null, totpLastStep: null }
          : { status: next },
      );
      const tokensRevoked = next === 'invited' || next === 'active' ? 0 : await revokeTokens(manager, target.id);
      await this.audit.append(manager, {
        actor: request.actor,
        action: audited[request.change],
        subject: `maintainer:${target.id}`,
        details: { from: target.status, to: next, tokensRevoked },
      });
      return { maintainerId: target.id, name: target.name, email: target.email, status: next, tokensRevoked };
    });
  }

  private async find(manager: EntityManager, which: StandingChangeRequest['maintainer']): Promise<Maintainer> {
    const found =
      'id' in which
        ? UUID.test(which.id)
          ? await manager.findOne(Maintainer, { where: { id: which.id } })
          : null
        : await manager
            .createQueryBuilder(Maintainer, 'm')
            .where('lower(m.email) = lower(:email)', { email: which.email.trim() })
            .getOne();
    if (!found) throw new DomainError('NOT_FOUND', 'There is no such maintainer.');
    return found;
  }
}

function nextStatus(change: StandingChange, target: Maintainer): MaintainerStatus {
  if (target.status === 'removed') {
    throw new DomainError('WRONG_STATE', `${target.name} was removed for good; add a maintainer again if needed.`);
  }
  switch (change) {
    case 'disable':
    case 'step_down':
      if (target.status === 'disabled') throw new DomainError('WRONG_STATE', `${target.name} is disabled already.`);
      return 'disabled';
    case 'remove':
      return 'removed';
    case 'enable':
      if (target.status !== 'disabled') throw new DomainError('WRONG_STATE', `${target.name} is not disabled.`);
      // Back where it was: a maintainer who had finished enrolment logs in again with its password and TOTP.
      return target.passwordHash && target.totpLastStep !== null ? 'active' : 'invited';
  }
}

function assertNotLast(target: Maintainer, standing: { id: string; status: MaintainerStatus }[]): void {
  if (!inStanding.includes(target.status)) return;
  const others = standing.filter((m) => m.id !== target.id);
  const left = target.status === 'active' ? others.filter((m) => m.status === 'active') : others;
  if (left.length === 0) {
    throw new DomainError(
      'LAST_ACTIVE_MAINTAINER',
      `${target.name} is the last active maintainer: add another maintainer and let it enrol first, ` +
        'so that someone can still run the list.',
    );
  }
}

async function revokeTokens(manager: EntityManager, maintainerId: string): Promise<number> {
  const [rows] = (await manager.query(
    `UPDATE api_token SET revoked_at = now() WHERE maintainer_id = $1 AND revoked_at IS NULL RETURNING id`,
    [maintainerId],
  )) as [unknown[], number];
  return rows.length;
}
