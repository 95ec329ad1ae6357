import { Injectable } from '@nestjs/common';
import { KeyClaims } from '@cordon/maintainers';

/**
 * The keys membership holds or bars, claimed with the maintainers lib (KeyClaims): a maintainer's
 * key is never a member's, whatever its status, nor a fingerprint banned after a confirmed leak
 * (README "Posting to the list"). Registered as the module is built.
 */
@Injectable()
export class MemberKeyClaims {
  constructor(claims: KeyClaims) {
    claims.register(async (manager, fingerprint) => {
      const rows = (await manager.query(
        `SELECT 1 FROM member WHERE upper(key_fingerprint) = $1
         UNION ALL
         SELECT 1 FROM ban WHERE kind = 'fingerprint' AND value = $1
         LIMIT 1`,
        [fingerprint],
      )) as unknown[];
      return rows.length > 0;
    });
  }
}
