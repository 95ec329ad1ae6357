/**
 * Each member's status per embargo over the JSON API (issue 14): the matrix of who in the audience
 * answered what and who has not, and a maintainer stating a member's status for it, audited; bad
 * input, a member outside the audience or an unknown embargo is a problem that changes nothing
 * (docs/architecture.md, invariant 7).
 */
import request from 'supertest';
import { ChangeAudience, ChangeEmbargo } from '@cordon/embargo';
import { CreateApiToken } from '@cordon/maintainers';
import { ImportMember } from '@cordon/membership';
import { loginAgent } from './support/admin-login';
import { anOpenpgpKey } from './support/keys';
import { RunningWebApp, startWebApp } from './support/web-app';

describe('JSON API: member statuses per embargo', () => {
  let web: RunningWebApp;
  let token: string;
  let maintainerId: string;
  let embargoId: string;
  const members = { a: '', b: '' };
  const api = (method: 'get' | 'put', path: string, body?: object) =>
    request(web.url)[method](path).set('Authorization', `Bearer ${token}`).send(body);
  const audits = async () =>
    (await web.runtime.database.dataSource.query(
      `SELECT actor, details FROM audit_entry WHERE action = 'embargo.member_status_set' ORDER BY seq`,
    )) as { actor: string; details: Record<string, unknown> }[];

  beforeAll(async () => {
    web = await startWebApp();
    ({
      maintainer: { id: maintainerId },
    } = await loginAgent(web, { email: 'lead@project.example' }));
    token = (await web.app.get(CreateApiToken).execute(maintainerId, 'status script')).token;
    for (const name of ['a', 'b'] as const) {
      const email = `sec@distro-${name}.example`;
      const key = (await anOpenpgpKey(email)).publicKey;
      const organisation = `Distro ${name.toUpperCase()}`;
      members[name] = (await web.app.get(ImportMember).execute({ email, organisation, key, acknowledged: true })).id;
    }
    const publicAt = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 16);
    const input = { title: 'Overflow in libfoo', publicAt, timeZone: 'UTC' };
    embargoId = (
      await web.app.get(ChangeEmbargo).create({ ...input, acceptNonWorkingDay: true } as typeof input, maintainerId)
    ).id;
  });

  afterAll(async () => {
    await web?.close();
  });

  it("shows the matrix, and sets a member's status for it, audited as the maintainer's", async () => {
    const before = await api('get', `/api/embargoes/${embargoId}/statuses`).expect(200);
    expect(before.body).toMatchObject({ embargoId, answered: 0, unanswered: 2 });
    const set = await api('put', `/api/embargoes/${embargoId}/statuses/${members.a}`, {
      status: 'will_publish',
      publishAt: '2031-01-10T14:00:00+01:00',
    }).expect(200);
    expect(set.body).toMatchObject({
      memberId: members.a,
      organisation: 'Distro A',
      status: 'will_publish',
      publishAt: '2031-01-10T13:00:00.000Z',
      fixedVersion: null,
      via: 'api',
    });
    const after = await api('get', `/api/embargoes/${embargoId}/statuses`).expect(200);
    expect(after.body).toMatchObject({ answered: 1, unanswered: 1 });
    expect(after.body.rows.map((r: { memberId: string; status: string | null }) => [r.memberId, r.status])).toEqual([
      [members.b, null],
      [members.a, 'will_publish'],
    ]);
    expect(await audits()).toEqual([
      expect.objectContaining({
        actor: `maintainer:${maintainerId}`,
        details: expect.objectContaining({ via: 'api' }),
      }),
    ]);
  });

  it('refuses bad input, a member outside the audience and an unknown embargo, and changes nothing', async () => {
    await web.app.get(ChangeAudience).pick(embargoId, members.b, 'exclude', maintainerId);
    const before = [(await api('get', `/api/embargoes/${embargoId}/statuses`)).body, (await audits()).length];
    const path = `/api/embargoes/${embargoId}/statuses/${members.a}`;
    const refusals: [string, object, number, string | undefined][] = [
      [path, { status: 'fixed', fixedVersion: '<script>1</script>' }, 400, 'fixedVersion'],
      [path, { status: 'fixed' }, 400, 'fixedVersion'],
      [path, { status: 'will_publish', publishAt: 'tomorrow' }, 400, undefined],
      [path, { status: 'pwned' }, 400, undefined],
      [path, { status: 'affected', extra: 1 }, 400, undefined],
      [`/api/embargoes/${embargoId}/statuses/${members.b}`, { status: 'affected' }, 403, undefined],
      [`/api/embargoes/${members.a}/statuses/${members.a}`, { status: 'affected' }, 404, undefined],
    ];
    for (const [where, body, status, field] of refusals) {
      const res = await api('put', where, body);
      expect({ body, status: res.status }).toEqual({ body, status });
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      if (field) expect(res.body.field).toBe(field);
    }
    expect([(await api('get', `/api/embargoes/${embargoId}/statuses`)).body, (await audits()).length]).toEqual(before);
  });
});
