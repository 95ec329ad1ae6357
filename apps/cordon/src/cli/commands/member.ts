import { Command } from 'commander';
import { ImportMember } from '@cordon/membership';
import { withContext } from '../context';
import { readKeyFile } from '../key-file';

export function memberCommand(): Command {
  const cmd = new Command('member').description('Members');
  cmd
    .command('import')
    .description('Bring an existing member over, active at once')
    .requiredOption('--email <address>', "the member's list address (a user ID of the key)")
    .requiredOption('--org <organisation>', 'organisation')
    .requiredOption('--key <file>', "the member's OpenPGP public key (armored or binary)")
    .option('--distribution <name>', 'distribution', '')
    .option('--acknowledged', 'the member accepted the current Embargo Policy outside Cordon (audited as such)')
    .action((opts: { email: string; org: string; key: string; distribution: string; acknowledged?: boolean }) =>
      withContext(async (app) => {
        const member = await app.get(ImportMember).execute({
          email: opts.email,
          organisation: opts.org,
          distribution: opts.distribution,
          key: readKeyFile(opts.key),
          acknowledged: Boolean(opts.acknowledged),
        });
        console.log(
          `${member.id} ${member.keyFingerprint}${member.acknowledgedPolicyVersion ? '' : ' (must acknowledge the policy)'}`,
        );
      }),
    );
  return cmd;
}
