import { Command } from 'commander';
import { AddMaintainer } from '@cordon/maintainers';
import { withContext } from '../context';
import { readKeyFile } from '../key-file';

export function maintainerCommand(): Command {
  const cmd = new Command('maintainer').description('Maintainer accounts');
  cmd
    .command('add')
    .description('Add a maintainer and print a one-time enrolment link (password and TOTP are set there)')
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
        console.log(result.enrolmentUrl);
      }),
    );
  return cmd;
}
