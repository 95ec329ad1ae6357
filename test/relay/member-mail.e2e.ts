/**
 * Mail to the list's addresses from members and others (issue 5), over the real SMTP ingress,
 * opened by the relay and checked with real GnuPG peers: a stranger gets one pointer to the
 * application form and nothing is relayed; a signed leak report to -leaks is filed with its
 * embargo; a new policy version is acknowledged only by a signature made after it. Signed
 * acknowledgements and members' answers: member-mail-acknowledgements.e2e.ts.
 */
import { randomUUID } from 'node:crypto';
import { ConfirmApplication, SubmitApplication } from '@cordon/membership';
import { Policies } from '@cordon/policy';
import { MaintainerAccount } from '../support/admin-login';
import { gpgPost } from '../support/client-mail';
import { GpgHome } from '../support/gpg';
import { RunningRelay } from '../support/relay-app';
import { RunningWebApp } from '../support/web-app';
import { LIST, ACK, LEAKS, statement, memberMailWorld } from '../support/member-mail-world';

describe('mail from members', () => {
  const world = memberMailWorld();
  const {
    maintainers,
    people,
    db,
    home,
    lastInbound,
    headerBlock,
    heldRow,
    acknowledgedVersion,
    sendAndSettle,
    clearsigned,
    decryptFor,
    allText,
  } = world;
  let relay: RunningRelay;
  let web: RunningWebApp;
  let lead: MaintainerAccount;
  let leadGpg: GpgHome;
  let listArmored: string;
  let listFpr: string;
  let embargo: { id: string; number: number };

  beforeAll(() => {
    ({ relay, web, lead, leadGpg, listArmored, listFpr, embargo } = world.state());
  });

  describe('mail to the list from someone not on it', () => {
    it('gets one neutral reply pointing to the application form, and nothing is relayed', async () => {
      const stranger = `someone-${randomUUID().slice(0, 6)}@outside.example`;
      const raw = () =>
        Buffer.from(
          `${headerBlock(stranger, LIST, 'Hello list')}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease add me.\r\n`,
        );
      const posts = await db().query(`SELECT count(*)::int AS n FROM post_delivery`);
      const first = await sendAndSettle(raw(), stranger, LIST);
      expect((await lastInbound()).refusal_code).toBe('NOT_ENCRYPTED');
      const replies = first.filter((m) => m.envelope.to[0] === stranger);
      expect(replies).toHaveLength(1);
      const reply = replies[0].raw.toString('utf8');
      expect(reply).toContain(`${web.url}/apply`);
      expect(reply).toMatch(/^Auto-Submitted: auto-replied/im);
      expect(reply).not.toMatch(/multipart\/encrypted/);
      for (const member of Object.values(people)) expect(reply).not.toContain(member.email);
      // The maintainers hear of it in one line, encrypted; no member hears anything.
      const others = first.filter((m) => m.envelope.to[0] !== stranger).map((m) => m.envelope.to[0]);
      expect(others.sort()).toEqual(maintainers.map((m) => m.email).sort());
      const line = await allText(
        await decryptFor(
          leadGpg,
          first.find((m) => m.envelope.to[0] === lead.email)!,
        ),
      );
      expect(line).toContain(stranger);

      const second = await sendAndSettle(raw(), stranger, LIST);
      expect(second).toEqual([]);
      expect((await lastInbound()).status).toBe('refused');
      expect(await db().query(`SELECT count(*)::int AS n FROM post_delivery`)).toEqual(posts);
    });

    it('gets the reply encrypted when it applied with a key, signed by that key or not', async () => {
      const applicant = `applicant-${randomUUID().slice(0, 6)}@newdistro.example`;
      const gpg = home();
      const fpr = await gpg.generateKey(applicant);
      await gpg.importKey(listArmored);
      const [policy] = (await db().query(`SELECT version, sha256 FROM policy_version ORDER BY version LIMIT 1`)) as {
        version: number;
        sha256: string;
      }[];
      // It applies and confirms its address as on the web: the link comes encrypted to its key.
      const before = relay.sink.received.length;
      await relay.app.get(SubmitApplication).execute({
        organisation: 'New Distro',
        distribution: 'newdistro',
        website: 'https://newdistro.example',
        contactName: 'Ann',
        contactEmail: applicant,
        key: await gpg.exportPublic(fpr),
        evidence: { '1': 'a', '2': 'b', '3': 'c', '4': 'd', '5': 'e' },
        acceptedPolicyVersion: policy.version,
        voucherEmail: 'sec@distro-a.example',
      });
      await relay.settle();
      const [confirmation] = relay.sink.received.slice(before).filter((m) => m.envelope.to[0] === applicant);
      const token = /\/apply\/confirm\/([A-Za-z0-9_-]+)/.exec(await allText(await decryptFor(gpg, confirmation)))![1];
      await relay.app.get(ConfirmApplication).execute(token);
      await relay.settle(); // the voucher is asked now, not among what the post makes
      const sent = await sendAndSettle(
        await gpgPost({
          from: { name: 'Ann', address: applicant },
          to: LIST,
          subject: 'Our advisory',
          text: `not for the list ${randomUUID()}`,
          gpg,
          signerFingerprint: fpr,
          listFingerprint: listFpr,
        }),
        applicant,
        LIST,
      );
      expect((await lastInbound()).refusal_code).toBe('SIGNER_NOT_MAINTAINER');
      const replies = sent.filter((m) => m.envelope.to[0] === applicant);
      expect(replies).toHaveLength(1);
      expect(await allText(await decryptFor(gpg, replies[0]))).toContain(`${web.url}/apply`);
      for (const member of Object.values(people))
        expect(sent.some((m) => m.envelope.to[0] === member.email)).toBe(false);
    });
  });

  describe('a leak report to -leaks', () => {
    it('is filed with the embargo its subject names, when signed by a member', async () => {
      const a = people.a;
      const body = [
        'What leaked: the patch for the overflow',
        'Leaked to: a public mirror of our packaging repository',
        'When: 2020-06-01T10:00:00Z',
        'Self-reported: yes',
        'Evidence:',
        'https://mirror.example/commit/123',
      ].join('\n');
      const sent = await sendAndSettle(
        await clearsigned(a, a.email, LEAKS, `[EMB-${embargo.number}] leak`, body),
        a.email,
        LEAKS,
      );
      expect((await lastInbound()).status).toBe('processed');
      const [report] = (await db().query(
        `SELECT embargo_id, what_leaked, leaked_to, leaked_at, evidence, self_reported, reporter_kind, reporter_member_id
         FROM leak_report ORDER BY created_at DESC LIMIT 1`,
      )) as Record<string, unknown>[];
      expect(report).toMatchObject({
        embargo_id: embargo.id,
        what_leaked: 'the patch for the overflow',
        leaked_to: 'a public mirror of our packaging repository',
        evidence: 'https://mirror.example/commit/123',
        self_reported: true,
        reporter_kind: 'mail',
        reporter_member_id: a.id,
      });
      expect(new Date(report.leaked_at as string).toISOString()).toBe('2020-06-01T10:00:00.000Z');
      const receipt = sent.find((m) => m.envelope.to[0] === a.email)!;
      expect(await allText(await decryptFor(a.gpg, receipt))).toMatch(/leak report was filed/);
      expect(sent.map((m) => m.envelope.to[0])).toEqual(expect.arrayContaining(maintainers.map((m) => m.email)));
    });

    it('is refused, and nothing filed, when unsigned or signed by a key that is no member’s', async () => {
      const count = () => db().query(`SELECT count(*)::int AS n FROM leak_report`);
      const before = await count();
      const unsigned = Buffer.from(
        `${headerBlock(people.b.email, LEAKS, 'leak')}\r\nContent-Type: text/plain\r\n\r\nWhat leaked: x\r\nLeaked to: y\r\n`,
      );
      await sendAndSettle(unsigned, people.b.email, LEAKS);
      expect(await lastInbound()).toMatchObject({ status: 'refused', refusal_code: 'UNSIGNED' });
      const gpg = home();
      const fpr = await gpg.generateKey(people.b.email);
      await sendAndSettle(
        await clearsigned({ gpg, fpr }, people.b.email, LEAKS, 'leak', 'What leaked: x\nLeaked to: y'),
        people.b.email,
        LEAKS,
      );
      expect(await lastInbound()).toMatchObject({ status: 'refused', refusal_code: 'SIGNER_UNKNOWN' });
      expect(await count()).toEqual(before);
    });
  });

  describe('a new policy version', () => {
    it('is not acknowledged by a signature made before it was published, and is by one made after', async () => {
      const f = people.f;
      const early = await clearsigned(f, f.email, ACK, 'Acknowledgement', statement(2));
      await new Promise((resolve) => setTimeout(resolve, 1100)); // signature times are whole seconds
      const policies = relay.app.get(Policies);
      await db().transaction((manager) => policies.publish(manager, 'Version 2 of the policy.', 'maintainer:test'));
      await sendAndSettle(early, f.email, ACK);
      expect(await lastInbound()).toMatchObject({ status: 'refused', refusal_code: 'SIGNED_BEFORE_POLICY' });
      expect(await acknowledgedVersion(f)).toBeNull();
      expect(await heldRow(f)).toBe('held');

      await sendAndSettle(await clearsigned(f, f.email, ACK, 'Acknowledgement', statement(2)), f.email, ACK);
      expect((await lastInbound()).status).toBe('processed');
      expect(await acknowledgedVersion(f)).toBe(2);
    });
  });
});
