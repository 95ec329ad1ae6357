/**
 * Who an embargo reaches, over the JSON API (issue 14, "An audience per embargo"): the products a
 * member ships, an embargo's affected products and audience mode, and the maintainers' picks; each
 * change audited, and bad input a 400 problem naming the field that changes nothing
 * (docs/architecture.md, invariant 7).
 */
import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { AddMaintainer, CreateApiToken } from '@cordon/maintainers';
import { ImportMember } from '@cordon/membership';
import { anOpenpgpKey } from './support/keys';
import { onAWeekday } from './support/working-days';
import { RunningWebApp, startWebApp } from './support/web-app';

/** "YYYY-MM-DDTHH:MM", UTC, `days` ahead or the Monday after (a weekend is no public moment). */
const weekdayIn = (days: number) => onAWeekday(new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 16));

describe('JSON API: audiences', () => {
  let web: RunningWebApp;
  let token: string;
  const members: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };
  const db = () => web.runtime.database.dataSource;
  const api = () => ({
    get: (path: string) => request(web.url).get(path).set('Authorization', `Bearer ${token}`),
    put: (path: string, body: object) => request(web.url).put(path).set('Authorization', `Bearer ${token}`).send(body),
    post: (path: string, body: object) =>
      request(web.url).post(path).set('Authorization', `Bearer ${token}`).send(body),
  });
  const audits = async (action: string) =>
    Number((await db().query(`SELECT count(*) AS n FROM audit_entry WHERE action = $1`, [action]))[0].n);
  /** An embargo's audience, member by member: [organisation, inAudience, why]. */
  const audience = async (id: string) => {
    const { body } = await api().get(`/api/embargoes/${id}/audience`).expect(200);
    type Row = { organisation: string; inAudience: boolean; why: string };
    return { ...body, rows: (body.members as Row[]).map((m) => [m.organisation, m.inAudience, m.why]) };
  };

  beforeAll(async () => {
    web = await startWebApp();
    const key = await anOpenpgpKey('lead@project.example', 'Lead');
    const { maintainerId } = await web.app
      .get(AddMaintainer)
      .execute({ email: 'lead@project.example', name: 'Lead', keyArmored: key.publicKey });
    // Enrolment (password + TOTP) is covered by admin-auth.e2e.ts; here the maintainer is simply active.
    await db().query(`UPDATE maintainer SET status = 'active' WHERE id = $1`, [maintainerId]);
    token = (await web.app.get(CreateApiToken).execute(maintainerId, 'audience script')).token;
    for (const name of ['a', 'b', 'c'] as const) {
      const email = `sec@distro-${name}.example`;
      const member = await web.app.get(ImportMember).execute({
        email,
        organisation: `Distro ${name.toUpperCase()}`,
        key: (await anOpenpgpKey(email)).publicKey,
        acknowledged: true,
      });
      members[name] = member.id;
    }
  });

  afterAll(async () => {
    await web?.close();
  });

  it("sets a member's products, normalised, audited with both lists", async () => {
    expect((await api().get(`/api/members/${members.a}/products`).expect(200)).body).toEqual({ products: [] });
    const set = await api()
      .put(`/api/members/${members.a}/products`, { products: [' OpenSSL ', 'libxml2', 'openssl'] })
      .expect(200);
    expect(set.body).toEqual({ products: ['libxml2', 'openssl'] });
    await api()
      .put(`/api/members/${members.b}/products`, { products: ['zlib'] })
      .expect(200);
    expect((await api().get(`/api/members/${members.a}/products`).expect(200)).body).toEqual({
      products: ['libxml2', 'openssl'],
    });
    const [entry] = await db().query(
      `SELECT actor, details FROM audit_entry WHERE action = 'member.products_changed' AND subject = $1`,
      [`member:${members.a}`],
    );
    expect(entry.actor).toMatch(/^maintainer:/);
    expect(entry.details).toMatchObject({ before: [], after: ['libxml2', 'openssl'] });
  });

  it('refuses bad products as a problem naming the field, and changes nothing', async () => {
    const before = await audits('member.products_changed');
    const refusals = [
      { products: ['<script>alert(1)</script>'] },
      { products: ['two words'] },
      { products: ['x'.repeat(101)] },
      { products: Array.from({ length: 201 }, (_, i) => `p${i}`) },
      { products: 'openssl' },
      { products: [42] },
      { products: ['openssl'], extra: true },
      {},
    ];
    for (const body of refusals) {
      const res = await api().put(`/api/members/${members.a}/products`, body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    const named = await api()
      .put(`/api/members/${members.a}/products`, { products: ['ok', 'not ok'] })
      .expect(400);
    expect(named.body).toMatchObject({ code: 'INVALID_INPUT', field: 'products' });
    await api()
      .put(`/api/members/${randomUUID()}/products`, { products: ['zlib'] })
      .expect(404);
    await api()
      .put('/api/members/not-a-uuid/products', { products: ['zlib'] })
      .expect(400);
    await request(web.url)
      .put(`/api/members/${members.a}/products`)
      .send({ products: ['zlib'] })
      .expect(401);
    expect(await audits('member.products_changed')).toBe(before);
    expect((await api().get(`/api/members/${members.a}/products`)).body.products).toEqual(['libxml2', 'openssl']);
  });

  it("records an embargo for its affected products' shippers; picks and the mode change who it reaches", async () => {
    const { body: embargo } = await api()
      .post('/api/embargoes', {
        title: 'Use after free in the XML parser',
        publicAt: weekdayIn(7),
        timeZone: 'UTC',
        products: ['LibXML2'],
        audienceMode: 'products',
      })
      .expect(201);
    let now = await audience(embargo.id);
    expect({ mode: now.mode, products: now.products }).toEqual({ mode: 'products', products: ['libxml2'] });
    expect(now.rows).toEqual([
      ['Distro A', true, 'product'],
      ['Distro B', false, 'no_product'],
      ['Distro C', false, 'no_product'],
    ]);
    expect(now.members[0]).toMatchObject({ memberId: members.a, email: 'sec@distro-a.example', eligible: true });

    const changed = await api()
      .put(`/api/embargoes/${embargo.id}/audience`, { products: ['zlib', 'libxml2'], include: [members.c] })
      .expect(200);
    expect(changed.body.products).toEqual(['libxml2', 'zlib']);
    now = await audience(embargo.id);
    expect(now.rows).toEqual([
      ['Distro A', true, 'product'],
      ['Distro B', true, 'product'],
      ['Distro C', true, 'included'],
    ]);

    // Inclusions and exclusions given are the whole lists: C, no longer named, loses its pick.
    await api()
      .put(`/api/embargoes/${embargo.id}/audience`, { include: [], exclude: [members.a] })
      .expect(200);
    now = await audience(embargo.id);
    expect(now.rows).toEqual([
      ['Distro A', false, 'excluded'],
      ['Distro B', true, 'product'],
      ['Distro C', false, 'no_product'],
    ]);
    await api().put(`/api/embargoes/${embargo.id}/audience`, { mode: 'all' }).expect(200);
    now = await audience(embargo.id);
    expect(now.rows).toEqual([
      ['Distro A', false, 'excluded'],
      ['Distro B', true, 'everyone'],
      ['Distro C', true, 'everyone'],
    ]);
    const entries = await db().query(
      `SELECT actor FROM audit_entry WHERE action = 'embargo.audience_changed' AND subject = $1`,
      [`embargo:${embargo.id}`],
    );
    // Products, C included, C's pick cleared, A excluded, the mode: one entry each.
    expect(entries).toHaveLength(5);
    expect(entries.every((e: { actor: string }) => e.actor.startsWith('maintainer:'))).toBe(true);
  });

  it('refuses a bad audience change whole, naming the field, and changes nothing', async () => {
    const { body: embargo } = await api()
      .post('/api/embargoes', { title: 'Integer overflow in zlib', publicAt: weekdayIn(7), timeZone: 'UTC' })
      .expect(201);
    const path = `/api/embargoes/${embargo.id}/audience`;
    const before = { audience: await audience(embargo.id), audits: await audits('embargo.audience_changed') };
    const named: [object, string][] = [
      [{ mode: 'products', products: ['openssl', 'bad name'] }, 'products'],
      [{ mode: 'products', include: [randomUUID()] }, 'include'],
      [{ include: [members.b], exclude: [members.b] }, 'exclude'],
    ];
    for (const [body, field] of named) {
      const res = await api().put(path, body).expect(400);
      expect({ body, field: res.body.field }).toEqual({ body, field });
    }
    for (const body of [
      { mode: 'some' },
      { include: ['not-a-uuid'] },
      { products: 'zlib' },
      { products: ['x'.repeat(101)] },
      { exclude: members.a },
      { everyone: true },
    ]) {
      const res = await api().put(path, body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
    await api().get(`/api/embargoes/${randomUUID()}/audience`).expect(404);
    await api().put(`/api/embargoes/${randomUUID()}/audience`, { mode: 'all' }).expect(404);
    expect(await audience(embargo.id)).toEqual(before.audience);
    expect(await audits('embargo.audience_changed')).toBe(before.audits);

    // An ended embargo's audience is a record: it no longer changes.
    await api().post(`/api/embargoes/${embargo.id}/lift`, {}).expect(200);
    await api().put(path, { mode: 'products' }).expect(409);
  });

  it('publishes the audience operations in the OpenAPI document', async () => {
    const doc = await request(web.url).get('/api/docs').expect(200);
    expect(doc.body.paths['/api/members/{id}/products']).toHaveProperty('put');
    expect(doc.body.paths['/api/embargoes/{id}/audience']).toHaveProperty('get');
    expect(doc.body.components.schemas.AudienceChangeDto.properties).toHaveProperty('include');
    expect(doc.body.components.schemas.CreateEmbargoDto.properties).toHaveProperty('audienceMode');
  });
});
