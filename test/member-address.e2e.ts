/**
 * Issue 11, "Members come and go": a member moves its contact address itself. As the README tells
 * it, from a fresh data directory: `cordon serve`, a maintainer and a member added with the CLI
 * beside it; the member signs in from the link its gpg decrypts, asks for the new address (with
 * its key, a user ID for it added by gpg), and follows the link mailed there, encrypted to its
 * key. A post the maintainer mails to the list reaches the old address before, the new one after,
 * and the old one is told. Hostile cases: an address someone on the list already has is refused in
 * words that do not say who; an address not on the key is refused, saying how to add it; a link
 * used, or replaced by a newer request, is refused; each changes nothing. (An expired link is
 * refused as a used one is: libs/membership/src/self-service/member-email.spec.ts.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { readKey } from 'openpgp';
import request from 'supertest';
import { thunderbirdPost } from './support/client-mail';
import { eventually } from './support/eventually';
import { csrfFrom, pathOf } from './support/forms';
import { GpgHome } from './support/gpg';
import { anOpenpgpKey, TestKey } from './support/keys';
import { linkIn, mailTo, openMail, OpenedMail } from './support/mailbox';
import { freePort } from './support/ports';
import { cordon, emptyLocation, Location, Service, serviceEnv, startService } from './support/service';

const LIST = 'distributors@example.org';
const LEAD = 'lead@project.example';
const OLD = 'security@distro-m.example';
const NEW = 'psirt@distro-m.example';
const OTHER = 'security@distro-o.example';
const NEUTRAL = 'This address cannot be used for your membership. Choose another, or ask the maintainers.';

type Agent = ReturnType<typeof request.agent>;

describe('a member moves its address', () => {
  jest.setTimeout(300_000);
  let location: Location;
  let operator: string;
  let env: NodeJS.ProcessEnv;
  let url: string;
  let smtpPort: number;
  let service: Service | undefined;
  let lead: TestKey;
  let memberFpr: string;
  let agent: Agent;
  const gpg = GpgHome.create();
  let posts = 0;

  const cli = async (...args: string[]) => {
    const run = await cordon(args, { cwd: operator, env });
    if (run.code !== 0) throw new Error(`cordon ${args.join(' ')} failed: ${run.stderr}`);
    return run.stdout;
  };

  /** Mail to `address` that this member's gpg opens, once `count` have been written. */
  async function mailsTo(address: string, count: number): Promise<OpenedMail[]> {
    const mails = await eventually(() => {
      const all = mailTo(location.dataDir, address);
      return all.length >= count ? all : undefined;
    });
    return Promise.all(mails.map((mail) => openMail(gpg, mail)));
  }

  /** The maintainer posts to the list as a mail client does; resolves once a copy went to `to`. */
  async function post(to: string, alsoCheck: string): Promise<void> {
    const subject = `Parser overflow ${++posts}`;
    const before = { to: mailTo(location.dataDir, to).length, other: mailTo(location.dataDir, alsoCheck).length };
    const raw = await thunderbirdPost({
      from: { name: 'Lead', address: LEAD },
      to: LIST,
      subject,
      text: 'Please keep this until Tuesday.',
      signer: lead.privateKey,
      listKey: await readKey({ armoredKey: await cli('list-key', 'export') }),
    });
    const transport = createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
    try {
      await transport.sendMail({ envelope: { from: LEAD, to: [LIST] }, raw });
    } finally {
      transport.close();
    }
    const copies = await mailsTo(to, before.to + 1);
    expect(copies.at(-1)!.subject).toBe(subject);
    expect(mailTo(location.dataDir, alsoCheck)).toHaveLength(before.other);
  }

  async function form(path: string): Promise<string> {
    return csrfFrom((await agent.get(path).expect(200)).text);
  }

  async function askForAddress(email: string, key = '') {
    // The token first: the agent attaches its cookies when the request is made.
    const _csrf = await form('/member/address');
    return agent.post('/member/address').type('form').send({ _csrf, email, key });
  }

  beforeAll(async () => {
    location = await emptyLocation();
    operator = mkdtempSync(join(tmpdir(), 'cordon-operator-'));
    const httpPort = await freePort();
    smtpPort = await freePort();
    url = `http://127.0.0.1:${httpPort}`;
    env = serviceEnv(location, { httpPort, smtpPort }, { LIST_ADDRESS: LIST, DELIVERY_POLL_MS: '200' });
    service = await startService(env, httpPort);

    lead = await anOpenpgpKey(LEAD, 'Lead');
    writeFileSync(join(operator, 'lead.asc'), lead.publicKey);
    await cli('maintainer', 'add', '--email', LEAD, '--name', 'Lead', '--key', 'lead.asc');
    await gpg.importKey(await cli('list-key', 'export'));
    memberFpr = await gpg.generateKey(OLD);
    writeFileSync(join(operator, 'member.asc'), await gpg.exportPublic(memberFpr));
    await cli('member', 'import', '--email', OLD, '--org', 'Distro M', '--key', 'member.asc', '--acknowledged');
    writeFileSync(join(operator, 'other.asc'), (await anOpenpgpKey(OTHER)).publicKey);
    await cli('member', 'import', '--email', OTHER, '--org', 'Distro O', '--key', 'other.asc', '--acknowledged');
  });

  afterAll(async () => {
    await service?.stop('SIGKILL');
    rmSync(operator, { recursive: true, force: true });
    await location?.remove();
    await gpg.cleanup();
  });

  it('signs the member in from the link its gpg decrypts', async () => {
    agent = request.agent(url);
    const linkCsrf = await form('/member');
    const asked = await agent.post('/member/link').type('form').send({ _csrf: linkCsrf, email: OLD });
    expect(asked.status).toBe(200);
    const [mail] = await mailsTo(OLD, 1);
    const link = pathOf(linkIn(mail.text, '/member/sign-in/'));
    const signInCsrf = await form(link);
    const signedIn = await agent.post(link).type('form').send({ _csrf: signInCsrf });
    expect(signedIn.headers.location).toBe('/member/home');
    expect((await agent.get('/member/address').expect(200)).text).toContain(OLD);
  });

  it('refuses an address someone on the list has, without saying who, and changes nothing', async () => {
    // The key carries the addresses, so that only their being taken stands in the way.
    await gpg.must(['--quick-add-uid', memberFpr, OTHER]);
    await gpg.must(['--quick-add-uid', memberFpr, LEAD]);
    const key = (await gpg.exportPublic(memberFpr)) as string;
    const texts: string[] = [];
    for (const taken of [OTHER, LEAD, OTHER.toUpperCase()]) {
      const refused = await askForAddress(taken, key);
      expect(refused.status).toBe(400);
      expect(refused.text).toContain(NEUTRAL);
      texts.push(refused.text.replaceAll(taken, 'ADDRESS').replace(/name="_csrf" value="[^"]*"/g, ''));
    }
    expect(texts[1]).toBe(texts[0]);
    const page = await agent.get('/member/address').expect(200);
    expect(page.text).not.toContain('id="pending-address"');
    await new Promise((r) => setTimeout(r, 1000)); // the delivery worker polls every 200 ms
    expect(mailTo(location.dataDir, OTHER)).toHaveLength(0);
    expect(mailTo(location.dataDir, LEAD)).toHaveLength(0);
  });

  it('refuses an address that is not on the key, saying how to add it', async () => {
    const refused = await askForAddress(NEW);
    expect(refused.status).toBe(400);
    expect(refused.text).toContain(`Your key has no user ID for ${NEW}`);
    expect(refused.text).toContain(`gpg --quick-add-uid ${memberFpr} ${NEW}`);
    // Another key with the address on it is not the member's key.
    const stranger = await anOpenpgpKey(NEW);
    const notMine = await askForAddress(NEW, stranger.publicKey);
    expect(notMine.status).toBe(400);
    expect(notMine.text).toContain('This is not your current key');
    expect((await agent.get('/member/address').expect(200)).text).not.toContain('id="pending-address"');
  });

  it('mails a link to the new address, encrypted to the key; until it is followed, posts go to the old one', async () => {
    await gpg.must(['--quick-add-uid', memberFpr, NEW]);
    const asked = await askForAddress(NEW, (await gpg.exportPublic(memberFpr)) as string);
    expect(asked.status).toBe(200);
    expect(asked.text).toContain('id="address-sent"');
    expect((await agent.get('/member/address').expect(200)).text).toContain('id="pending-address"');
    const [proof] = await mailsTo(NEW, 1);
    expect(proof.subject).toMatch(/Confirm your new address/);
    expect(mailTo(location.dataDir, NEW)[0].raw).not.toContain('/member/address/confirm/');
    await post(OLD, NEW);
  });

  it('a newer request replaces the link of the one before', async () => {
    const [first] = await mailsTo(NEW, 1);
    const firstLink = pathOf(linkIn(first.text, '/member/address/confirm/'));
    expect((await askForAddress(NEW, (await gpg.exportPublic(memberFpr)) as string)).status).toBe(200);
    const [, second] = await mailsTo(NEW, 2);
    expect(pathOf(linkIn(second.text, '/member/address/confirm/'))).not.toBe(firstLink);
    const refused = await request(url).get(firstLink);
    expect(refused.status).toBe(410);
    expect(refused.text).toContain('not valid');
  });

  it('following the link moves the address; the old one is told, and posts go to the new one only', async () => {
    const mails = await mailsTo(NEW, 2);
    const link = pathOf(linkIn(mails.at(-1)!.text, '/member/address/confirm/'));
    const visitor = request.agent(url); // the mail may be read anywhere: no session needed
    const page = await visitor.get(link).expect(200);
    expect(page.text).toContain(NEW);
    const confirmed = await visitor
      .post(link)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(confirmed.status).toBe(200);
    expect(confirmed.text).toContain('id="address-confirmed"');

    const reused = await visitor
      .post(link)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(reused.status).toBe(410);
    expect(reused.text).toContain('not valid');

    const told = (await mailsTo(OLD, 3)).find((m) => /was changed/.test(m.subject));
    expect(told?.text).toContain(`new address: ${NEW}`);
    expect((await agent.get('/member/address').expect(200)).text).toMatch(
      new RegExp(`id="member-address">${NEW.replace('.', '\\.')}<`),
    );
    await post(NEW, OLD);
  });
});
