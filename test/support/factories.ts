/**
 * Domain state for tests, made through the owning lib's own use cases rather than SQL, so a test
 * starts from a state the product can really be in (and the audit log says how it got there).
 */
import { INestApplicationContext } from '@nestjs/common';
import { ChangeEmbargo, Embargo } from '@cordon/embargo';
import { AddedMaintainer, AddMaintainer } from '@cordon/maintainers';
import { ChangeMemberStatus, ImportMember, Member } from '@cordon/membership';

export interface MemberSpec {
  email: string;
  key: string;
  organisation?: string;
  /** Has acknowledged the current policy (default); false: list mail is held for it. */
  acknowledged?: boolean;
}

/** An active member, brought in as `cordon member import` would. */
export function aMember(app: INestApplicationContext, spec: MemberSpec): Promise<Member> {
  return app.get(ImportMember).execute(
    {
      email: spec.email,
      organisation: spec.organisation ?? spec.email.split('@')[1],
      key: spec.key,
      acknowledged: spec.acknowledged ?? true,
    },
    'test',
  );
}

/** A member a maintainer has suspended (who is told so by encrypted mail, as any suspended member is). */
export async function aSuspendedMember(
  app: INestApplicationContext,
  spec: MemberSpec,
  maintainerId: string,
): Promise<Member> {
  const member = await aMember(app, spec);
  return app.get(ChangeMemberStatus).execute(member.id, 'suspend', 'suspended by a test', maintainerId);
}

/**
 * A member whose key expired after it joined. The key policy refuses a key that has already
 * expired, so `spec.key` must be one that expires within seconds of being made
 * (`GpgHome.generateKey(email, { expire: 'seconds=10' })`); this waits until it has.
 */
export async function aMemberWithExpiredKey(app: INestApplicationContext, spec: MemberSpec): Promise<Member> {
  const member = await aMember(app, spec);
  if (!member.keyExpiresAt) throw new Error(`the key of ${spec.email} never expires`);
  const left = member.keyExpiresAt.getTime() - Date.now() + 1000;
  if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
  return member;
}

export interface MaintainerSpec {
  email: string;
  key: string;
  name?: string;
}

/**
 * A maintainer added as `cordon maintainer add` adds one: 'invited' until it enrols on the web, and
 * already able to post to the list with its key (docs/architecture.md, "Flows": "a maintainer added by
 * the operator may post at once").
 */
export function aMaintainer(app: INestApplicationContext, spec: MaintainerSpec): Promise<AddedMaintainer> {
  return app
    .get(AddMaintainer)
    .execute({ email: spec.email, name: spec.name ?? 'Lea Lead', keyArmored: spec.key }, undefined, 'cli');
}

export interface EmbargoSpec {
  title: string;
  /** When it becomes public; the embargo keeps it to the minute, in UTC. */
  publicAt: Date;
  cveIds?: string[];
}

/** An active embargo, recorded by a maintainer as in the admin UI. */
export function anEmbargo(app: INestApplicationContext, spec: EmbargoSpec, maintainerId: string): Promise<Embargo> {
  return app.get(ChangeEmbargo).create(
    {
      title: spec.title,
      cveIds: spec.cveIds ?? [],
      publicAt: spec.publicAt.toISOString().slice(0, 16),
      timeZone: 'UTC',
      // Tests give moments "N hours ahead": the weekend warning has its own tests (README, PUBLIC_HOLIDAYS).
      acceptNonWorkingDay: true,
    },
    maintainerId,
  );
}
