/**
 * The words of the self-service mail. Each goes out encrypted to one key: the sign-in link to the
 * member's key (holding it is the login), the key proof to the proposed key.
 */
export const selfServiceMail = {
  signInLink: (listName: string, organisation: string, link: string, minutes: number) => ({
    subject: `Your sign-in link for ${listName}`,
    text: [
      `Hello,`,
      ``,
      `Someone, hopefully you, asked for a link to the member pages of ${listName} for ${organisation}.`,
      `It opens a session in which you can acknowledge the Embargo Policy, register your team, answer`,
      `embargo dates, report a leak, replace your key and change your address:`,
      ``,
      `  ${link}`,
      ``,
      `The link works once and expires in ${minutes} minutes. If you did not ask for it, ignore this message.`,
    ].join('\n'),
  }),
  keyProof: (listName: string, organisation: string, fingerprint: string, link: string, hours: number) => ({
    subject: `Confirm your new key for ${listName}`,
    text: [
      `Hello,`,
      ``,
      `A new OpenPGP key was uploaded for ${organisation} on ${listName}:`,
      ``,
      `  ${fingerprint}`,
      ``,
      `This message is encrypted to that key. Following this link proves you hold it and makes it`,
      `the key all list mail to you is encrypted to, from then on:`,
      ``,
      `  ${link}`,
      ``,
      `The link works once and expires in ${hours} hours. Until it is followed, your old key stays in use.`,
      `If you did not upload this key, ignore this message and tell the maintainers.`,
    ].join('\n'),
  }),
  keyReplaced: (listName: string, organisation: string, from: string, to: string) => ({
    subject: `Your key for ${listName} was replaced`,
    text: [
      `Hello,`,
      ``,
      `The OpenPGP key of ${organisation} on ${listName} was replaced, in a member session, by`,
      `following a link encrypted to the new key.`,
      ``,
      `  old key: ${from}`,
      `  new key: ${to}`,
      ``,
      `This is the last mail encrypted to the old key. If you did not do this, tell the maintainers at once.`,
    ].join('\n'),
  }),
};
