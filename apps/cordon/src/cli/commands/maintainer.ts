import { Command } from 'commander';
import { AddMaintainer, ChangeMaintainerStanding, ProposeMaintainerKey, StandingChange } from '@cordon/maintainers';
import { withContext } from '../context';
import { readKeyFile } from '../key-file';
import { resetTotpCommand } from './maintainer-reset-totp';

export function maintainerCommand(): Command {
  const cmd = new Command('maintainer').description('Maintainer accounts');
  cmd
    .command('add')
    .description(
      'Add a maintainer, who may post to the list at once (signed with this key) and gets maintainer mail; ' +
        'prints a one-time enrolment link for the admin UI (password and TOTP are set there)',
    )
    .requiredOption('--email <address>', "the maintainer's address (a user ID of the key)")
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--key <file>', "the maintainer's OpenPGP public key (armored or binary)")
    .action((opts: { email: string; name: string; key: string }) =>
      withContext(async (app) => {
        const key = readKeyFile(opts.key);
        const result = await app.get(AddMaintainer).execute({
          email: opts.email,
          name: opts.name,
          keyArmored: typeof key === 'string' ? key : Buffer.from(key).toString('binary'),
        });
        // The link alone on stdout, for scripts; what it means on stderr, for the person.
        console.error(
          `${opts.email} may post to the list now (signed with key ${result.keyFingerprint}) and gets maintainer mail.\n` +
            'To use the admin UI, open this one-time enrolment link and set a password and TOTP:',
        );
        console.log(result.enrolmentUrl);
      }),
    );
  cmd
    .command('key')
    .description(
      'Propose a new key for a maintainer: a one-time link is mailed encrypted to the new key, and only following it ' +
        'makes it the key posts must be signed with (until then the current key stays in force)',
    )
    .argument('<email>', "the maintainer's address (a user ID of the new key)")
    .requiredOption('--key <file>', 'the new OpenPGP public key (armored or binary)')
    .action((email: string, opts: { key: string }) =>
      withContext(async (app) => {
        const proposed = await app
          .get(ProposeMaintainerKey)
          .execute({ maintainer: { email }, key: readKeyFile(opts.key), actor: 'cli' });
        console.log(
          `${proposed.email}: a link was mailed, encrypted to the new key ${proposed.fingerprint}.\n` +
            'The current key stays in force until the maintainer follows it.',
        );
      }),
    );
  standingCommand(
    cmd,
    'disable',
    'disable',
    'Disable a maintainer at once: its signature is refused, its sessions end, its API tokens are revoked, it gets no maintainer mail; `enable` undoes it',
  );
  standingCommand(cmd, 'enable', 'enable', 'Enable a disabled maintainer again (its old API tokens stay revoked)');
  standingCommand(
    cmd,
    'remove',
    'remove',
    'Remove a maintainer for good, as `disable` does, and erase its password and TOTP seed',
  );
  resetTotpCommand(cmd);
  return cmd;
}

/** The last active maintainer is refused (exit 1, the reason on stderr), and nothing changes. */
function standingCommand(
  parent: Command,
  name: string,
  change: Exclude<StandingChange, 'step_down'>,
  description: string,
): void {
  parent
    .command(name)
    .description(description)
    .requiredOption('--email <address>', "the maintainer's address")
    .action((opts: { email: string }) =>
      withContext(async (app) => {
        const done = await app
          .get(ChangeMaintainerStanding)
          .execute({ change, maintainer: { email: opts.email }, actor: 'cli' });
        const revoked = done.tokensRevoked ? `; ${done.tokensRevoked} API token(s) revoked` : '';
        console.log(`${done.email}: ${done.status}${revoked}`);
      }),
    );
}
