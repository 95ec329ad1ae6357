import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import { Actor, AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { inspectPublicKey, KeyDetails, OneTimeLinks } from '@cordon/crypto';
import { DomainError } from '@cordon/errors';
import { KeyClaims } from './key-claims';
import { assertMaintainerKeyFree } from './maintainer-key-in-use';
import { Maintainer } from './maintainer.entity';

export interface NewMaintainer {
  email: string;
  name: string;
  keyArmored: string;
}

export interface AddedMaintainer {
  maintainerId: string;
  /** The primary key's fingerprint, upper-case hex: the key the maintainer signs posts with. */
  keyFingerprint: string;
  /** Printed once by the CLI; the maintainer sets a password there. Only its hash is stored. */
  enrolmentUrl: string;
}

const input = z.object({
  email: z.string().trim().max(254).pipe(z.email('Give the maintainer’s e-mail address.')),
  name: z.string().trim().min(1, 'Give the maintainer’s name.').max(100, 'Keep the name under 100 characters.'),
  keyArmored: z
    .string()
    .min(1, 'Give the maintainer’s OpenPGP public key.')
    .max(64 * 1024, 'The key is too large.'),
});

/**
 * Adds a maintainer (`cordon maintainer add`): the key must pass the key policy with a user ID for
 * the address, since the maintainer signs posts with it. The maintainer starts 'invited' and gets a
 * one-time enrolment link. A key already in use on the list is refused (maintainer-key-in-use.ts).
 * Runs in the caller's transaction when given one (its manager), else in its own.
 */
@Injectable()
export class AddMaintainer {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly links: OneTimeLinks,
    private readonly audit: AuditLog,
    private readonly keyClaims: KeyClaims,
  ) {}

  async execute(request: NewMaintainer, manager?: EntityManager, actor: Actor = 'cli'): Promise<AddedMaintainer> {
    const parsed = input.safeParse(request);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new DomainError('INVALID_INPUT', issue.message, String(issue.path[0]));
    }
    const { email, name, keyArmored } = parsed.data;
    const { details } = await inspectPublicKey(keyArmored, { requireAddress: email });
    const add = (m: EntityManager) => this.add(m, { email, name }, details, actor);
    return manager ? add(manager) : this.dataSource.transaction(add);
  }

  private async add(
    manager: EntityManager,
    { email, name }: { email: string; name: string },
    details: KeyDetails,
    actor: Actor,
  ): Promise<AddedMaintainer> {
    const taken = (await manager.query('SELECT 1 FROM maintainer WHERE lower(email) = lower($1)', [
      email,
    ])) as unknown[];
    if (taken.length)
      throw new DomainError('ALREADY_EXISTS', `There is already a maintainer with the address ${email}.`, 'email');
    await assertMaintainerKeyFree(manager, details.fingerprint, null, this.keyClaims);

    const id = randomUUID();
    await manager.insert(Maintainer, {
      id,
      email,
      name,
      keyArmored: details.armored,
      keyFingerprint: details.fingerprint,
      passwordHash: null,
      totpSecretSealed: null,
      totpLastStep: null,
      status: 'invited',
      failedLoginsReportedAt: null,
      createdAt: new Date(),
    });
    const token = await this.links.issue(manager, 'maintainer_enrol', id, this.settings.ENROL_LINK_TTL_HOURS);
    await this.audit.append(manager, {
      actor,
      action: 'maintainer.added',
      subject: `maintainer:${id}`,
      details: { email, name, fingerprint: details.fingerprint },
    });
    // settings.publicUrl is read now, not at construction: tests and the CLI may set it after start.
    return {
      maintainerId: id,
      keyFingerprint: details.fingerprint,
      enrolmentUrl: `${this.settings.publicUrl}/admin/enrol/${token}`,
    };
  }
}
