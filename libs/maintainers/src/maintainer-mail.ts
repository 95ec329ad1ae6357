/**
 * The words of the mail a maintainer gets about its own account. Each goes out encrypted to one
 * key, so only the holder of that key can follow the link in it. Each link stands alone on its
 * line, so it survives `gpg --decrypt` and copy-and-paste intact.
 */
export const maintainerMail = {
  invitation: (listName: string, name: string, addedBy: string, fingerprint: string, link: string, hours: number) => ({
    subject: `You are a maintainer of ${listName}`,
    text: [
      `Hello ${name},`,
      ``,
      `${addedBy} added you as a maintainer of ${listName}. You may post to the list from now on,`,
      `signed with this key, and you get the mail meant for maintainers:`,
      ``,
      `  ${fingerprint}`,
      ``,
      `To use the admin UI, open this one-time link, set a password and then your authenticator app:`,
      ``,
      `  ${link}`,
      ``,
      `The link works once and expires in ${hours} hours. If you did not expect this, tell the maintainers.`,
    ].join('\n'),
  }),
  keyProof: (listName: string, fingerprint: string, link: string, hours: number) => ({
    subject: `Confirm your new maintainer key for ${listName}`,
    text: [
      `Hello,`,
      ``,
      `A new OpenPGP key was proposed for your maintainer account on ${listName}:`,
      ``,
      `  ${fingerprint}`,
      ``,
      `This message is encrypted to that key. Following this link proves you hold it and makes it the`,
      `key your posts to the list must be signed with, and the one maintainer mail is encrypted to:`,
      ``,
      `  ${link}`,
      ``,
      `The link works once and expires in ${hours} hours. Until it is followed, your old key stays in force.`,
      `If you did not propose this key, ignore this message and tell the other maintainers.`,
    ].join('\n'),
  }),
  keyChanged: (listName: string, from: string, to: string) => ({
    subject: `Your maintainer key for ${listName} was replaced`,
    text: [
      `Hello,`,
      ``,
      `Your maintainer key on ${listName} was replaced by following a link encrypted to the new key.`,
      `Posts signed with the old key are refused from now on.`,
      ``,
      `  old key: ${from}`,
      `  new key: ${to}`,
      ``,
      `This is the last mail encrypted to the old key. If you did not do this, tell the other maintainers at once.`,
    ].join('\n'),
  }),
};
