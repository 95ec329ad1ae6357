import { randomBytes } from 'node:crypto';
import { Test } from '@nestjs/testing';
import { simpleParser } from 'mailparser';
import { decrypt, readMessage } from 'openpgp';
import { DataSource } from 'typeorm';
import { AuditModule, auditEntities } from '@cordon/audit';
import { ConfigModule, parseSettings } from '@cordon/config';
import { CryptoModule, cryptoEntities, hashToken, ListKey, ServerSecret } from '@cordon/crypto';
import { deliveryEntities } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { Database, openDatabase, PersistenceModule } from '@cordon/persistence';
import { Policies, policyEntities } from '@cordon/policy';
import { testAuditKey } from '../../../../test/support/audit';
import { freshDatabaseLocation } from '../../../../test/support/database';
import { anOpenpgpKey } from '../../../../test/support/keys';
import { armoredPart } from '../../../../test/support/mailbox';
import {
  AnswerInfoRequest,
  ApplicationForm,
  ApplicationReviewQueries,
  ApplicationStatusPage,
  ConfirmApplication,
  DecideApplication,
  ImportMember,
  InvitationQueries,
  InviteDistributor,
  membershipEntities,
  MembershipModule,
  RevokeInvitation,
  SubmitApplication,
} from '../index';

const MAINTAINER = { actor: 'maintainer:00000000-0000-4000-8000-000000000001', name: 'Maria Maintainer' };

/**
 * Invitations through the lib (README "Inviting a distributor"): the link is bound to its address,
 * used once, dies when revoked or expired, and an application made with it needs no vouch.
 */
describe('invitations', () => {
  let database: Database;
  let remove: () => Promise<void>;
  let ds: DataSource;
  let get: <T>(type: new (...args: never[]) => T) => T;
  let made = 0;

  beforeAll(async () => {
    const location = await freshDatabaseLocation();
    remove = location.remove;
    database = await openDatabase({
      databaseUrl: location.databaseUrl,
      dataDir: location.dataDir,
      entities: [...auditEntities, ...cryptoEntities, ...deliveryEntities, ...policyEntities, ...membershipEntities],
    });
    ds = database.dataSource;
    const settings = parseSettings(
      {
        DATA_DIR: location.dataDir,
        PUBLIC_URL: 'https://cordon.example.org',
        LIST_ADDRESS: 'distributors@example.org',
      },
      process.cwd(),
    );
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(settings),
        PersistenceModule.forDatabase(database),
        CryptoModule.forSecret(ServerSecret.fromBytes(randomBytes(32))),
        AuditModule.forKey(testAuditKey),
        MembershipModule,
      ],
    }).compile();
    get = (type) => moduleRef.get(type);
    await ds.transaction(async (manager) => {
      await get(ListKey).ensure(manager);
      await get(Policies).ensurePublished(manager, 'system');
    });
    // A list with a member: approving without a vouch is not the first members' exception here.
    const member = await anOpenpgpKey('security@old-distro.example');
    await get(ImportMember).execute({
      email: 'security@old-distro.example',
      organisation: 'Old Distro',
      key: member.publicKey,
      acknowledged: true,
    });
  });
  afterAll(async () => {
    await database?.close();
    await remove?.();
  });

  const count = async (table: string) => Number((await ds.query(`SELECT count(*) AS n FROM ${table}`))[0].n);
  const audited = async (action: string, subject: string) =>
    (await ds.query('SELECT actor, details FROM audit_entry WHERE action = $1 AND subject = $2', [
      action,
      subject,
    ])) as {
      actor: string;
      details: Record<string, unknown>;
    }[];
  const refusal = async (work: Promise<unknown>): Promise<DomainError> => {
    const error = await work.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  };
  const tokenOf = (link: string) => link.split('/').pop()!;

  async function anInvitation(email = `security@distro${++made}.example`) {
    const issued = await get(InviteDistributor).execute({
      organisation: `Distro ${made}`,
      email,
      note: 'met at the packagers’ meeting',
      inviter: MAINTAINER,
    });
    return { ...issued, email, token: tokenOf(issued.link) };
  }

  async function formFor(email: string, invitationToken?: string): Promise<ApplicationForm> {
    const key = await anOpenpgpKey(email);
    return {
      organisation: 'Invited Distro',
      distribution: 'Invited Linux',
      website: 'https://invited.example',
      contactName: 'Ida Invited',
      contactEmail: email,
      key: key.publicKey,
      evidence: { '1': 'ships it', '2': 'many users', '3': 'advisories', '4': 'own builds', '5': 'patches' },
      acceptedPolicyVersion: 1,
      voucherEmail: '',
      invitationToken,
    };
  }

  /** The confirmation link, from the mail encrypted to the applicant's key. */
  async function confirmationToken(email: string): Promise<string> {
    const [row] = (await ds.query(
      `SELECT raw FROM outbound_message WHERE purpose = 'application.confirm' AND recipient = $1
       ORDER BY created_at DESC LIMIT 1`,
      [email],
    )) as { raw: Buffer }[];
    const { privateKey } = await anOpenpgpKey(email);
    const message = await readMessage({ armoredMessage: armoredPart(row.raw.toString('utf8')) });
    const { data } = await decrypt({ message, decryptionKeys: privateKey, format: 'binary' });
    const inner = await simpleParser(Buffer.from(data as Uint8Array));
    return /\/apply\/confirm\/(\S+)/.exec(inner.text ?? '')![1];
  }

  it('issues a link to show once, keeping only its hash, and audits it without the token', async () => {
    const { invitation, link, token } = await anInvitation();
    expect(link).toBe(`https://cordon.example.org/apply/invited/${token}`);
    const [stored] = (await ds.query(`SELECT hash FROM one_time_token WHERE subject_id = $1`, [invitation.id])) as {
      hash: string;
    }[];
    expect(stored.hash).toBe(hashToken(token));
    const [created] = await audited('invitation.created', `invitation:${invitation.id}`);
    expect(created.actor).toBe(MAINTAINER.actor);
    expect(created.details).toMatchObject({ organisation: invitation.organisation, email: invitation.email });
    expect(JSON.stringify(created.details)).not.toContain(token);
    expect(await get(InvitationQueries).forLink(token)).toEqual({
      organisation: invitation.organisation,
      email: invitation.email,
    });
    const row = (await get(InvitationQueries).list()).find((i) => i.id === invitation.id)!;
    expect(row).toMatchObject({ state: 'open', invitedByName: MAINTAINER.name, note: 'met at the packagers’ meeting' });
  });

  it('refuses a second open invitation to the same address, an invalid address, and a member', async () => {
    const { email } = await anInvitation();
    const invite = (to: string) =>
      get(InviteDistributor).execute({ organisation: 'Again', email: to, inviter: MAINTAINER });
    const before = await count('invitation');
    expect(await refusal(invite(email.toUpperCase()))).toMatchObject({ code: 'ALREADY_EXISTS', field: 'email' });
    expect(await refusal(invite('two@a.example, three@b.example'))).toMatchObject({ code: 'INVALID_INPUT' });
    expect(await refusal(invite('security@old-distro.example'))).toMatchObject({ code: 'ALREADY_EXISTS' });
    expect(await count('invitation')).toBe(before);
  });

  it('takes an invited application with no vouch: confirmed, it goes to review, and is approved without a voucher', async () => {
    const { invitation, email, token } = await anInvitation();
    const { applicationId } = await get(SubmitApplication).execute(await formFor(email, token));
    const [used] = (await ds.query('SELECT used_at, application_id FROM invitation WHERE id = $1', [
      invitation.id,
    ])) as { used_at: Date | null; application_id: string }[];
    expect(used.used_at).not.toBeNull();
    expect(used.application_id).toBe(applicationId);
    expect(await audited('invitation.used', `invitation:${invitation.id}`)).toHaveLength(1);

    // Not before the applicant proved mailbox and key.
    const decide = get(DecideApplication);
    const approve = () => decide.execute(applicationId, { kind: 'approve' }, MAINTAINER.actor.split(':')[1]);
    expect(await refusal(approve())).toMatchObject({ code: 'WRONG_STATE' });

    const confirmed = await get(ConfirmApplication).execute(await confirmationToken(email));
    expect(confirmed.status).toBe('in_review');
    expect(await count(`outbound_message WHERE purpose = 'application.vouch_request'`)).toBe(0);
    const review = await get(ApplicationReviewQueries).review(applicationId);
    expect(review.invitedBy).toMatchObject({ name: MAINTAINER.name, invitationId: invitation.id });

    const approved = await approve();
    expect(approved.status).toBe('approved');
    const [member] = (await ds.query('SELECT status FROM member WHERE id = $1', [approved.memberId])) as {
      status: string;
    }[];
    expect(member.status).toBe('active');
    const [entry] = await audited('application.approved', `application:${applicationId}`);
    expect(entry.details).toMatchObject({ invitationId: invitation.id });
    expect(entry.details).not.toHaveProperty('withoutVouch');
  });

  it('goes back to the maintainers, not to a voucher, once the applicant answers their question', async () => {
    const { email, token } = await anInvitation();
    const { applicationId, statusToken } = await get(SubmitApplication).execute(await formFor(email, token));
    await get(ConfirmApplication).execute(await confirmationToken(email));
    const maintainerId = MAINTAINER.actor.split(':')[1];
    const decide = get(DecideApplication);
    await decide.execute(
      applicationId,
      { kind: 'request_info', question: 'Which releases do you ship?' },
      maintainerId,
    );
    expect(await refusal(decide.execute(applicationId, { kind: 'approve' }, maintainerId))).toMatchObject({
      code: 'WRONG_STATE',
      message: 'The applicant has not answered your question yet.',
    });
    const answer = get(AnswerInfoRequest);
    expect(await refusal(answer.execute(statusToken, 'All of them.', 'security@old-distro.example'))).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'voucherEmail',
    });
    await answer.execute(statusToken, 'All of them.');
    expect((await get(ApplicationStatusPage).view(statusToken)).status).toBe('in_review');
    expect((await decide.execute(applicationId, { kind: 'approve' }, maintainerId)).status).toBe('approved');
  });

  it('uses a link once: a second application with it is refused and changes nothing', async () => {
    const { email, token } = await anInvitation();
    await get(SubmitApplication).execute(await formFor(email, token));
    const applications = await count('application');
    const again = await refusal(get(SubmitApplication).execute(await formFor(email, token)));
    expect(again.code).toBe('LINK_INVALID');
    expect(again.message).toMatch(/Ask the maintainer who invited you/);
    expect(await refusal(get(InvitationQueries).forLink(token))).toMatchObject({ code: 'LINK_INVALID' });
    expect(await count('application')).toBe(applications);
  });

  it('is bound to its address: another contact address is refused, and the link still works', async () => {
    const { invitation, email, token } = await anInvitation();
    const applications = await count('application');
    const other = await refusal(get(SubmitApplication).execute(await formFor('someone@else.example', token)));
    expect(other).toMatchObject({ code: 'INVALID_INPUT', field: 'contactEmail' });
    expect(other.message).toContain(email);
    expect(await count('application')).toBe(applications);
    expect(await audited('invitation.used', `invitation:${invitation.id}`)).toHaveLength(0);
    expect(await get(InvitationQueries).forLink(token)).toMatchObject({ email });
  });

  it('dies when revoked: the link is refused, and a second revocation too', async () => {
    const { invitation, email, token } = await anInvitation();
    const revoked = await get(RevokeInvitation).execute(invitation.id, MAINTAINER.actor);
    expect(revoked.revokedAt).not.toBeNull();
    expect(await audited('invitation.revoked', `invitation:${invitation.id}`)).toHaveLength(1);
    const applications = await count('application');
    expect(await refusal(get(SubmitApplication).execute(await formFor(email, token)))).toMatchObject({
      code: 'LINK_INVALID',
    });
    expect(await refusal(get(InvitationQueries).forLink(token))).toMatchObject({ code: 'LINK_INVALID' });
    expect(await refusal(get(RevokeInvitation).execute(invitation.id, MAINTAINER.actor))).toMatchObject({
      code: 'WRONG_STATE',
    });
    expect(await count('application')).toBe(applications);
    expect((await get(InvitationQueries).list()).find((i) => i.id === invitation.id)!.state).toBe('revoked');
  });

  it('dies when INVITATION_TTL_HOURS have passed', async () => {
    // Issued 8 days ago (the default life is 7): only Date is faked, the database's clock is not.
    jest.useFakeTimers({
      now: Date.now() - 8 * 24 * 3_600_000,
      doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval'],
    });
    let issued: Awaited<ReturnType<typeof anInvitation>>;
    try {
      issued = await anInvitation();
    } finally {
      jest.useRealTimers();
    }
    const { invitation, email, token } = issued;
    const applications = await count('application');
    expect(await refusal(get(SubmitApplication).execute(await formFor(email, token)))).toMatchObject({
      code: 'LINK_INVALID',
    });
    expect(await refusal(get(InvitationQueries).forLink(token))).toMatchObject({ code: 'LINK_INVALID' });
    expect((await get(InvitationQueries).list()).find((i) => i.id === invitation.id)!.state).toBe('expired');
    expect(await refusal(get(RevokeInvitation).execute(invitation.id, MAINTAINER.actor))).toMatchObject({
      code: 'WRONG_STATE',
    });
    expect(await count('application')).toBe(applications);
    // An expired invitation stands in nobody's way: the address can be invited again.
    await expect(
      get(InviteDistributor).execute({ organisation: 'Again', email, inviter: MAINTAINER }),
    ).resolves.toBeDefined();
  });

  it('refuses a tampered or unknown link like a used one', async () => {
    const { token } = await anInvitation();
    const tampered = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    expect(await refusal(get(InvitationQueries).forLink(tampered))).toMatchObject({ code: 'LINK_INVALID' });
    expect(await refusal(get(InvitationQueries).forLink('nonsense'))).toMatchObject({ code: 'LINK_INVALID' });
  });

  it('without an invitation, still asks for a voucher', async () => {
    const email = `security@uninvited${++made}.example`;
    expect(await refusal(get(SubmitApplication).execute(await formFor(email)))).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'voucherEmail',
    });
  });

  it('shows the applicant who invited it', async () => {
    const { email, token } = await anInvitation();
    const { statusToken } = await get(SubmitApplication).execute(await formFor(email, token));
    const view = await get(ApplicationStatusPage).view(statusToken);
    expect(view.invitedBy).toMatchObject({ name: MAINTAINER.name });
  });
});
