import { randomBytes } from 'node:crypto';
import { Test } from '@nestjs/testing';
import { generateKey, PrivateKey } from 'openpgp';
import { DataSource } from 'typeorm';
import { AuditModule, auditEntities } from '@cordon/audit';
import { ConfigModule, parseSettings } from '@cordon/config';
import { CryptoModule, cryptoEntities, ListKey, openpgpConfig, ServerSecret } from '@cordon/crypto';
import { deliveryEntities } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { Database, openDatabase, PersistenceModule } from '@cordon/persistence';
import { Policies, policyEntities } from '@cordon/policy';
import { testAuditKey } from '../../../../test/support/audit';
import { freshDatabaseLocation } from '../../../../test/support/database';
import { anOpenpgpKey } from '../../../../test/support/keys';
import { tokenInQueuedMail } from '../../../../test/support/mailbox';
import {
  ADDRESS_UNAVAILABLE,
  ConfirmMemberEmail,
  ImportMember,
  membershipEntities,
  MembershipModule,
  ProposeMemberEmail,
  SubmitApplication,
} from '../index';

const OLD = 'security@distro-a.example';
const NEW = 'psirt@distro-a.example';
const LATER = 'cert@distro-a.example';
const TAKEN = 'security@distro-b.example';
const APPLYING = 'security@distro-d.example';

/**
 * A member's change of address through the lib (README "Member self-service"): nothing changes
 * until the link mailed to the new address, encrypted to the member's key, is followed; an address
 * someone else has is refused in words that name nobody; a link works once, and not once expired.
 */
describe('a member changes its address', () => {
  let database: Database;
  let remove: () => Promise<void>;
  let ds: DataSource;
  let get: <T>(type: new (...args: never[]) => T) => T;
  let memberId: string;
  let secret: PrivateKey;

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
    // The member's key carries every address it will ask for, and one it may not have.
    const key = await generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs: [OLD, NEW, LATER, TAKEN, APPLYING].map((email) => ({ email })),
      format: 'object',
      config: openpgpConfig,
    });
    secret = key.privateKey;
    memberId = (
      await get(ImportMember).execute({
        email: OLD,
        organisation: 'Distro A',
        key: key.publicKey.armor(),
        acknowledged: true,
      })
    ).id;
    const other = await anOpenpgpKey(TAKEN);
    await get(ImportMember).execute({
      email: TAKEN,
      organisation: 'Distro B',
      key: other.publicKey,
      acknowledged: true,
    });
    // An application is open for APPLYING: its contact address is spoken for while it is decided.
    await get(SubmitApplication).execute({
      organisation: 'Distro D',
      distribution: 'D Linux',
      website: 'https://distro-d.example',
      contactName: 'Dana',
      contactEmail: APPLYING,
      key: (await anOpenpgpKey(APPLYING)).publicKey,
      evidence: { '1': 'ships it', '2': 'many users', '3': 'advisories', '4': 'own builds', '5': 'patches' },
      acceptedPolicyVersion: 1,
      voucherEmail: OLD,
    });
  });

  afterAll(async () => {
    await database?.close();
    await remove?.();
  });

  const count = async (table: string) => Number((await ds.query(`SELECT count(*) AS n FROM ${table}`))[0].n);
  const state = async () => ({
    email: (await ds.query('SELECT email FROM member WHERE id = $1', [memberId]))[0].email as string,
    changes: await count('member_email_change'),
    outbound: await count('outbound_message'),
    audit: await count('audit_entry'),
  });
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('not refused');
      },
      (error: unknown) => {
        if (!(error instanceof DomainError)) throw error;
        return { code: error.code, message: error.message };
      },
    );

  /** The token in the newest mail to `to`, decrypted with the member's key (only it can read it). */
  const linkMailedTo = (to: string) =>
    tokenInQueuedMail(ds, { to, purpose: 'member.email_proof', pathPrefix: '/member/address/confirm/' }, secret);

  it('refuses an address another member or an applicant has, naming nobody, and changes nothing', async () => {
    const before = await state();
    for (const taken of [TAKEN, ` ${TAKEN.toUpperCase()} `, APPLYING]) {
      expect(await refusal(get(ProposeMemberEmail).execute(memberId, taken))).toEqual({
        code: 'INVALID_INPUT',
        message: ADDRESS_UNAVAILABLE,
      });
    }
    expect(await state()).toEqual(before);
  });

  it('changes nothing until the link is followed; then the address is the new one, once', async () => {
    await get(ProposeMemberEmail).execute(memberId, NEW);
    expect((await state()).email).toBe(OLD);
    expect(await get(ProposeMemberEmail).pending(memberId)).toMatchObject({ email: NEW });
    const token = await linkMailedTo(NEW);
    expect(await get(ConfirmMemberEmail).preview(token)).toEqual({ organisation: 'Distro A', from: OLD, to: NEW });
    expect(await get(ConfirmMemberEmail).execute(token)).toEqual({ organisation: 'Distro A', from: OLD, to: NEW });
    expect((await state()).email).toBe(NEW);
    expect(await get(ProposeMemberEmail).pending(memberId)).toBeNull();
    const [told] = (await ds.query(
      `SELECT recipient FROM outbound_message WHERE purpose = 'member.email_changed'`,
    )) as {
      recipient: string;
    }[];
    expect(told.recipient).toBe(OLD);
    const audit = (await ds.query(
      `SELECT action, details FROM audit_entry WHERE action LIKE 'member.email%' ORDER BY seq`,
    )) as { action: string; details: Record<string, unknown> }[];
    expect(audit.map((a) => [a.action, a.details.from, a.details.to])).toEqual([
      ['member.email_change_proposed', OLD, NEW],
      ['member.email_changed', OLD, NEW],
    ]);

    const before = await state();
    expect((await refusal(get(ConfirmMemberEmail).execute(token))).code).toBe('LINK_INVALID');
    expect(await state()).toEqual(before);
  });

  it('refuses an expired link and changes nothing', async () => {
    await get(ProposeMemberEmail).execute(memberId, LATER);
    const token = await linkMailedTo(LATER);
    // The link's life (CONFIRM_LINK_TTL_HOURS) has passed.
    await ds.query(
      `UPDATE one_time_token SET expires_at = now() - interval '1 minute' WHERE purpose = 'member_email_proof'`,
    );
    const before = await state();
    expect((await refusal(get(ConfirmMemberEmail).execute(token))).code).toBe('LINK_INVALID');
    expect(await state()).toEqual(before);
    expect(before.email).toBe(NEW);
  });

  it('refuses at the link an address someone took since it was asked for, and the link stays usable', async () => {
    await get(ProposeMemberEmail).execute(memberId, LATER);
    const token = await linkMailedTo(LATER);
    const squatter = await anOpenpgpKey(LATER);
    const taken = await get(ImportMember).execute({
      email: LATER,
      organisation: 'Distro C',
      key: squatter.publicKey,
      acknowledged: true,
    });
    const before = await state();
    expect(await refusal(get(ConfirmMemberEmail).execute(token))).toEqual({
      code: 'INVALID_INPUT',
      message: ADDRESS_UNAVAILABLE,
    });
    expect(await state()).toEqual(before);
    expect((await get(ConfirmMemberEmail).preview(token)).to).toBe(LATER);
    expect(taken.email).toBe(LATER);
  });

  it('refuses an address that is not on the key, saying how to add it', async () => {
    const before = await state();
    const refused = await refusal(get(ProposeMemberEmail).execute(memberId, 'elsewhere@distro-a.example'));
    expect(refused.code).toBe('INVALID_INPUT');
    expect(refused.message).toContain('gpg --quick-add-uid');
    expect(await state()).toEqual(before);
  });
});
