import { Command } from 'commander';
import { InvitationQueries, InviteDistributor, RevokeInvitation } from '@cordon/membership';
import { withContext } from '../context';

/** What criterion 7 says of an invitation made here: no maintainer account made it. */
const OPERATOR = { actor: 'cli', name: 'the operator (command line)' };

export function invitationCommand(): Command {
  const cmd = new Command('invitation').description('Invitations of distributors, which stand in for a vouch');
  cmd
    .command('create')
    .description(
      'Invite a distributor: prints a one-time link to /apply, bound to the contact address, to pass on ' +
        'yourself (the invitee has no key with the list yet, and nothing is mailed unencrypted)',
    )
    .requiredOption('--organisation <name>', 'the organisation invited')
    .requiredOption('--email <address>', 'the contact address its application must use')
    .option('--note <text>', 'for the maintainers: why it is invited')
    .action((opts: { organisation: string; email: string; note?: string }) =>
      withContext(async (app) => {
        const { invitation, link } = await app.get(InviteDistributor).execute({
          organisation: opts.organisation,
          email: opts.email,
          note: opts.note,
          inviter: OPERATOR,
        });
        // The link alone on stdout, for scripts; what it means on stderr, for the person.
        console.error(
          `Invitation for ${invitation.organisation} <${invitation.email}>, valid until ` +
            `${invitation.expiresAt.toISOString()}. Pass this one-time link on over a channel you trust; ` +
            'it is not shown again:',
        );
        console.log(link);
      }),
    );
  cmd
    .command('list')
    .description('Every invitation: open, used, revoked or expired (never its link)')
    .action(() =>
      withContext(async (app) => {
        for (const i of await app.get(InvitationQueries).list()) {
          const application = i.applicationId ? ` application ${i.applicationId}` : '';
          console.log(
            [i.id, i.state, i.email, i.organisation, `until ${i.expiresAt.toISOString()}`, `by ${i.invitedByName}`]
              .join('\t')
              .concat(application ? `\t${application.trim()}` : ''),
          );
        }
      }),
    );
  cmd
    .command('revoke')
    .description('Revoke an open invitation: its link stops working at once')
    .argument('<id>', 'the invitation, as `invitation list` shows it')
    .action((id: string) =>
      withContext(async (app) => {
        const revoked = await app.get(RevokeInvitation).execute(id, OPERATOR.actor);
        console.log(`${revoked.id}\trevoked\t${revoked.email}`);
      }),
    );
  return cmd;
}
