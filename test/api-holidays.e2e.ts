/**
 * Public moments people can live with, over the JSON API (issue 14; README, PUBLIC_HOLIDAYS): a
 * moment on a weekend or a listed holiday in the embargo's zone is a 422 problem NON_WORKING_DAY
 * offering the next working day at the same local time, and nothing is recorded; the offered day,
 * or the same moment with acceptNonWorkingDay, is taken. Extending is checked the same way.
 */
import request from 'supertest';
import { AddMaintainer, CreateApiToken } from '@cordon/maintainers';
import { anOpenpgpKey } from './support/keys';
import { RunningWebApp, startWebApp } from './support/web-app';

describe('JSON API: public moments on weekends and holidays', () => {
  let web: RunningWebApp;
  let token: string;
  const db = () => web.runtime.database.dataSource;
  const post = (path: string, body: object) =>
    request(web.url).post(path).set('Authorization', `Bearer ${token}`).send(body);
  const count = async (sql: string) => Number((await db().query(sql))[0].n);

  beforeAll(async () => {
    web = await startWebApp({ PUBLIC_HOLIDAYS: 'DE' });
    const key = await anOpenpgpKey('lead@project.example', 'Lead');
    const { maintainerId } = await web.app
      .get(AddMaintainer)
      .execute({ email: 'lead@project.example', name: 'Lead', keyArmored: key.publicKey });
    // Enrolment (password + TOTP) is covered by admin-auth.e2e.ts; here the maintainer is simply active.
    await db().query(`UPDATE maintainer SET status = 'active' WHERE id = $1`, [maintainerId]);
    token = (await web.app.get(CreateApiToken).execute(maintainerId, 'holiday script')).token;
  });

  afterAll(async () => {
    await web?.close();
  });

  it('refuses a Saturday with the next Monday offered, then takes the offer or the flag', async () => {
    const saturday = {
      title: 'Overflow in libweekend',
      publicAt: '2099-01-10T14:00',
      timeZone: 'Europe/Berlin',
      overLimitReason: 'A release train far away.',
    };
    const refused = await post('/api/embargoes', saturday).expect(422);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({
      status: 422,
      code: 'NON_WORKING_DAY',
      field: 'publicAt',
      offered: '2099-01-12T14:00',
      why: 'weekend',
    });
    expect(refused.body.detail).toContain('Saturday 2099-01-10 is a weekend day in Europe/Berlin');
    expect(await count('SELECT count(*) AS n FROM embargo')).toBe(0);

    const offered = await post('/api/embargoes', { ...saturday, publicAt: refused.body.offered }).expect(201);
    expect(offered.body.publicAt).toBe('2099-01-12T13:00:00.000Z');
    const kept = await post('/api/embargoes', { ...saturday, acceptNonWorkingDay: true }).expect(201);
    expect(kept.body.publicAt).toBe('2099-01-10T13:00:00.000Z');
    const [audit] = await db().query(
      `SELECT details FROM audit_entry WHERE subject = $1 AND action = 'embargo.created'`,
      [`embargo:${kept.body.id}`],
    );
    expect(audit.details).toMatchObject({ nonWorkingDayKept: 'weekend' });
    // Not a boolean: a 400 naming the flag.
    const bad = await post('/api/embargoes', { ...saturday, acceptNonWorkingDay: 'yes' }).expect(400);
    expect(bad.body.detail).toMatch(/acceptNonWorkingDay/);
  });

  it('names a listed holiday, and checks an extension too', async () => {
    // Thursday 2098-12-18: a working day; Christmas Day 2098 is a Thursday in DE, Boxing Day Friday.
    const { body: embargo } = await post('/api/embargoes', {
      title: 'Race in libholiday',
      publicAt: '2098-12-18T10:00',
      timeZone: 'Europe/Berlin',
      overLimitReason: 'A release train far away.',
    }).expect(201);
    const change = { publicAt: '2098-12-25T10:00', timeZone: 'Europe/Berlin', reason: 'The fix needs another week.' };
    const refused = await post(`/api/embargoes/${embargo.id}/extend`, change).expect(422);
    expect(refused.body).toMatchObject({
      code: 'NON_WORKING_DAY',
      why: 'holiday',
      holiday: 'Christmas Day',
      offered: '2098-12-29T10:00',
    });
    const extended = await post(`/api/embargoes/${embargo.id}/extend`, { ...change, acceptNonWorkingDay: true }).expect(
      200,
    );
    expect(extended.body.publicAt).toBe('2098-12-25T09:00:00.000Z');
  });
});
