import { DomainError } from '@cordon/errors';
import { anOpenpgpKey } from '../../../test/support/keys';
import { Checkpoint, readCheckpoint, signCheckpoint } from './checkpoint';

const checkpoint: Checkpoint = {
  list: 'distributors@example.org',
  entries: 42,
  head: 'ab'.repeat(32),
  time: '2026-11-24T06:00:00.000Z',
};

describe('an audit checkpoint', () => {
  it('is signed cleartext that reads back with the list key, alone or inside the decrypted mail', async () => {
    const list = await anOpenpgpKey('distributors@example.org');
    const signed = await signCheckpoint(checkpoint, list.privateKey);
    expect(signed.replace(/\r\n/g, '\n')).toMatch(
      /^-----BEGIN PGP SIGNED MESSAGE-----\n[\s\S]*\nEntries: 42\nHead: (ab){32}\n/,
    );
    const listKey = list.privateKey.toPublic();
    await expect(readCheckpoint(signed, listKey)).resolves.toEqual(checkpoint);
    // As `gpg --decrypt` prints the mail: MIME headers, text around it, CRLF line ends.
    const mail = `Content-Type: text/plain\r\n\r\nKeep it.\r\n\r\n${signed.replace(/\r?\n/g, '\r\n')}\r\n`;
    await expect(readCheckpoint(mail, listKey)).resolves.toEqual(checkpoint);
  });

  it('refuses a checkpoint whose count was raised after signing', async () => {
    const list = await anOpenpgpKey('distributors@example.org');
    const signed = await signCheckpoint(checkpoint, list.privateKey);
    const altered = signed.replace('Entries: 42', 'Entries: 41');
    const refusal = await readCheckpoint(altered, list.privateKey.toPublic()).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(DomainError);
    expect((refusal as DomainError).message).toMatch(/signature does not verify with the list key/);
  });

  it('refuses a checkpoint signed by another key than the list key', async () => {
    const list = await anOpenpgpKey('distributors@example.org');
    const forger = await anOpenpgpKey('forger@example.net');
    const forged = await signCheckpoint(checkpoint, forger.privateKey);
    await expect(readCheckpoint(forged, list.privateKey.toPublic())).rejects.toThrow(/does not verify/);
  });

  it('refuses a file that holds no signed checkpoint', async () => {
    const list = await anOpenpgpKey('distributors@example.org');
    await expect(readCheckpoint('Entries: 42\n', list.privateKey.toPublic())).rejects.toThrow(/no signed audit/);
  });
});
