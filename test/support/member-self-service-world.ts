/**
 * The world the member self-service tests share: the web app behind a loopback proxy, with GnuPG
 * as the member and as its team; a member who has not acknowledged the policy yet (MEMBER), one
 * whose key also carries MEMBER's address (OTHER), a suspended one and a removed one; and the
 * helpers that read the member's mail, sign it in and post its forms. Each test file gets its own
 * (started in beforeAll, stopped in afterAll).
 */
import request from 'supertest';
import { ListKey } from '@cordon/crypto';
import { DeliveryWorker } from '@cordon/delivery';
import { ChangeMemberStatus, ImportMember } from '@cordon/membership';
import { Agent } from './admin-login';
import { csrfFrom, pathOf } from './forms';
import { GpgHome } from './gpg';
import { linkIn, mailTo, openMail, OpenedMail } from './mailbox';
import { RunningWebApp, startWebApp } from './web-app';

export const MEMBER = 'security@distro-m.example';
export const SUSPENDED = 'security@distro-s.example';
export const REMOVED = 'security@distro-r.example';
export const OTHER = 'security@distro-o.example';
export const TEAMMATE = 'alice@distro-m.example';
export const XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>';
/** The maintainer the members' suspension and removal are done by. */
export const A_MAINTAINER = '00000000-0000-4000-8000-000000000001';
/** "YYYY-MM-DDTHH:MM" `days` from now, in UTC. */
export const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 16);
let client = 0;
/**
 * The public forms are throttled per client address (10 a minute), and these files sign in more
 * often than that: each sign-in comes from its own address, as the proxy header tells the app
 * (started with TRUST_PROXY=loopback, it trusts the loopback proxy).
 */
export const fromNewClient = () => ({ 'X-Forwarded-For': `192.0.2.${++client % 250}` });

/** What beforeAll makes: read it in the test file's own beforeAll (which runs after this one). */
export interface MemberSelfServiceState {
  web: RunningWebApp;
  /** The member's (and the other members'). */
  gpg: GpgHome;
  /** The member's team's. */
  teamGpg: GpgHome;
  memberId: string;
  /** MEMBER's key's. */
  memberFpr: string;
  /** OTHER's key, which also has a user ID for MEMBER. */
  sharedKey: string;
  /** TEAMMATE's key. */
  teamKey: string;
}

export function memberSelfServiceWorld() {
  let web: RunningWebApp;
  let gpg: GpgHome;
  let teamGpg: GpgHome;
  let memberId: string;
  let memberFpr: string;
  let sharedKey: string;
  let teamKey: string;

  const db = () => web.runtime.database.dataSource;
  const deliver = () => web.app.get(DeliveryWorker).drain();
  const count = async (table: string, where = 'true', params: unknown[] = []) =>
    Number((await db().query(`SELECT count(*) AS n FROM ${table} WHERE ${where}`, params))[0].n);
  const snapshot = async () => ({
    outbound: await count('outbound_message'),
    audit: await count('audit_entry'),
    team: await count('team_member'),
    proposals: await count('member_key_proposal'),
    member: (
      await db().query(`SELECT key_fingerprint, acknowledged_policy_version FROM member WHERE id = $1`, [memberId])
    )[0],
  });

  beforeAll(async () => {
    // As behind a reverse proxy on the same host (TRUST_PROXY=loopback): see fromNewClient.
    web = await startWebApp({ TRUST_PROXY: 'loopback' });
    gpg = GpgHome.create();
    teamGpg = GpgHome.create();
    const listKey = await web.app.get(ListKey).armoredPublicKey();
    await gpg.importKey(listKey);
    await teamGpg.importKey(listKey);
    const importMember = web.app.get(ImportMember);
    // Not acknowledged: the member does that in its session.
    memberFpr = await gpg.generateKey(MEMBER);
    memberId = (
      await importMember.execute({
        email: MEMBER,
        organisation: 'Distro M',
        key: await gpg.exportPublic(memberFpr),
        acknowledged: false,
      })
    ).id;
    // Another member's key that also carries a user ID for MEMBER: the key policy alone would take it.
    const sharedFpr = await gpg.generateKey(OTHER);
    await gpg.must(['--quick-add-uid', sharedFpr, `Test <${MEMBER}>`]);
    sharedKey = await gpg.exportPublic(sharedFpr);
    await importMember.execute({ email: OTHER, organisation: 'Distro O', key: sharedKey, acknowledged: true });
    const suspended = await importMember.execute({
      email: SUSPENDED,
      organisation: 'Distro S',
      key: await gpg.exportPublic(await gpg.generateKey(SUSPENDED)),
      acknowledged: true,
    });
    const removed = await importMember.execute({
      email: REMOVED,
      organisation: 'Distro R',
      key: await gpg.exportPublic(await gpg.generateKey(REMOVED)),
      acknowledged: true,
    });
    await web.app.get(ChangeMemberStatus).execute(suspended.id, 'suspend', 'Testing suspension.', A_MAINTAINER);
    await web.app.get(ChangeMemberStatus).execute(removed.id, 'remove', 'Testing removal.', A_MAINTAINER);
    teamKey = await teamGpg.exportPublic(await teamGpg.generateKey(TEAMMATE, { userId: `Alice <${TEAMMATE}>` }));
    await deliver();
  });

  afterAll(async () => {
    await web?.close();
    await gpg?.cleanup();
    await teamGpg?.cleanup();
  });

  /** The newest mail to `address` with this subject, opened by `home` (failing if it cannot decrypt it). */
  async function newestMail(address: string, subject: RegExp, home = gpg): Promise<OpenedMail> {
    await deliver();
    const mails = mailTo(web.settings.dataDir, address);
    for (const mail of mails.reverse()) {
      const opened = await openMail(home, mail).catch(() => null);
      if (opened && subject.test(opened.subject)) {
        expect(opened.goodSignature).toBe(true);
        expect(opened.recipients).toHaveLength(1);
        return opened;
      }
    }
    throw new Error(`no mail to ${address} matching ${subject} that this key can read`);
  }

  async function askForLink(agent: Agent, email: string) {
    // At most MEMBER_LINKS_PER_HOUR links a member an hour: these files sign in more often than that.
    await db().query(
      `UPDATE one_time_token SET created_at = now() - interval '2 hours' WHERE purpose = 'member_session'`,
    );
    const page = await agent.get('/member').expect(200);
    return agent
      .post('/member/link')
      .set(fromNewClient())
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email });
  }

  /** Asks for a link, reads it with gpg, follows it: returns the agent (signed in) and the link. */
  async function signIn(email = MEMBER, home = gpg) {
    const agent = request.agent(web.url);
    expect((await askForLink(agent, email)).status).toBe(200);
    const mail = await newestMail(email, /sign-in link/, home);
    const link = pathOf(linkIn(mail.text, '/member/sign-in/'));
    const confirm = await agent.get(link).expect(200);
    const signedIn = await agent
      .post(link)
      .set(fromNewClient())
      .type('form')
      .send({ _csrf: csrfFrom(confirm.text) });
    expect({ status: signedIn.status, location: signedIn.headers.location }).toEqual({
      status: 303,
      location: '/member/home',
    });
    return { agent, link };
  }

  async function postForm(agent: Agent, formPath: string, action: string, form: Record<string, string>) {
    const page = await agent.get(formPath).expect(200);
    return agent
      .post(action)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), ...form });
  }

  return {
    state: (): MemberSelfServiceState => ({ web, gpg, teamGpg, memberId, memberFpr, sharedKey, teamKey }),
    db,
    deliver,
    count,
    snapshot,
    newestMail,
    askForLink,
    signIn,
    postForm,
  };
}
