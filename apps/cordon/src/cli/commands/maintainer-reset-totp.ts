import { Command } from 'commander';
import { ResetMaintainerTotp } from '@cordon/maintainers';
import { withContext } from '../context';

/**
 * `cordon maintainer reset-totp <email>`: the operator's way to reset a maintainer's authenticator,
 * for a list where no other maintainer can do it in the admin UI (ResetMaintainerTotp). The new
 * enrolment link is mailed encrypted to the maintainer's key, never printed: the operator does not
 * get to set the maintainer's password.
 */
export function resetTotpCommand(parent: Command): void {
  parent
    .command('reset-totp')
    .description(
      "Reset a maintainer's authenticator (when no other maintainer can in the admin UI): its password, " +
        'TOTP seed and recovery codes are erased, its sessions end, its API tokens are revoked, and a new ' +
        'enrolment link is mailed to it, encrypted to its key',
    )
    .argument('<email>', "the maintainer's address")
    .action((email: string) =>
      withContext(async (app) => {
        const done = await app.get(ResetMaintainerTotp).execute({ maintainer: { email }, actor: 'cli' });
        const revoked = done.tokensRevoked ? `; ${done.tokensRevoked} API token(s) revoked` : '';
        console.log(
          `${done.email}: authenticator reset${revoked}. A new enrolment link was mailed, encrypted to its key.`,
        );
      }),
    );
}
