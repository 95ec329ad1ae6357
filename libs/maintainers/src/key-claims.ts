import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** Whether a lib holds, or bars, this key fingerprint (upper case, no spaces). */
export type KeyClaim = (manager: EntityManager, fingerprint: string) => Promise<boolean>;

/**
 * The keys the libs above this one hold or bar (a member's key, a banned fingerprint): a
 * maintainer's key must be none of them (assertMaintainerKeyFree). Membership sits above the
 * maintainers lib (docs/architecture.md, Layout), so it registers its claim here as its module is
 * built, and the maintainers lib never reads its tables.
 */
@Injectable()
export class KeyClaims {
  private readonly claims: KeyClaim[] = [];

  register(claim: KeyClaim): void {
    this.claims.push(claim);
  }

  async anyClaims(manager: EntityManager, fingerprint: string): Promise<boolean> {
    for (const claim of this.claims) if (await claim(manager, fingerprint)) return true;
    return false;
  }
}
