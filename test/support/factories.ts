/**
 * Domain state for tests, made through the owning lib's own use cases rather than SQL, so a test
 * starts from a state the product can really be in (and the audit log says how it got there).
 */
import { INestApplicationContext } from '@nestjs/common';
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
