/**
 * The mail a maintainer gets about its second factor: a recovery code used, its authenticator
 * reset by another maintainer. Each goes out encrypted to the maintainer's key alone; a link
 * stands alone on its line so it survives `gpg --decrypt` and copy-and-paste intact.
 */
export const recoveryMail = {
  codeUsed: (listName: string, remaining: number, address: string) => ({
    subject: `A recovery code was used to log in to ${listName}`,
    text: [
      `Hello,`,
      ``,
      `Someone logged in to your maintainer account on ${listName} with one of your recovery codes,`,
      `from ${address}. That code works no more; ${remaining} of your recovery codes ${remaining === 1 ? 'is' : 'are'} left.`,
      ``,
      remaining > 0
        ? `If you have your authenticator app again, make new codes under Maintainers → Recovery codes.`
        : `You have no recovery codes left: make new ones under Maintainers → Recovery codes.`,
      `If this was not you, tell the other maintainers at once: one of them can reset your authenticator.`,
    ].join('\n'),
  }),
  totpReset: (listName: string, name: string, resetBy: string, link: string, hours: number) => ({
    subject: `Your authenticator for ${listName} was reset`,
    text: [
      `Hello ${name},`,
      ``,
      `${resetBy} reset the second login factor of your maintainer account on ${listName}. Your password,`,
      `authenticator app and recovery codes no longer work, your sessions have ended and your API tokens`,
      `are revoked. You still sign posts to the list with your key and get maintainer mail.`,
      ``,
      `To use the admin UI again, open this one-time link, set a password, then set up your authenticator app:`,
      ``,
      `  ${link}`,
      ``,
      `The link works once and expires in ${hours} hours. If you did not ask for this, tell the other maintainers.`,
    ].join('\n'),
  }),
};
