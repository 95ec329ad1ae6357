/**
 * Sign-in goes through passport (docs/architecture.md, "Sign-in"): each credential has its own
 * strategy, and the guard of each route asks for that one. A refusal through a strategy is the one
 * the route always gave.
 */
import passport from 'passport';
import request from 'supertest';
import { ApiTokenStrategy } from '../apps/cordon/src/web/api/auth/api-token.strategy';
import { MaintainerPasswordStrategy } from '../apps/cordon/src/web/admin/auth/maintainer-password.strategy';
import { MaintainerTotpStrategy } from '../apps/cordon/src/web/admin/auth/maintainer-totp.strategy';
import { MemberLinkSessionStrategy } from '../apps/cordon/src/web/member/member-link.strategy';
import { csrfFrom } from './support/forms';
import { RunningWebApp, startWebApp } from './support/web-app';

describe('sign-in strategies', () => {
  let web: RunningWebApp;
  let authenticate: jest.SpyInstance;

  beforeAll(async () => {
    web = await startWebApp();
  });
  afterAll(async () => {
    await web?.close();
  });
  beforeEach(() => {
    authenticate = jest.spyOn(passport, 'authenticate');
  });
  afterEach(() => authenticate.mockRestore());

  const strategiesAsked = () => authenticate.mock.calls.map(([name]) => name as string);

  it('registers one strategy per credential, each the app’s own adapter', () => {
    const strategy = (name: string) => (passport as unknown as { _strategy(n: string): unknown })._strategy(name);
    expect(strategy('api-token')).toBeInstanceOf(ApiTokenStrategy);
    expect(strategy('maintainer-password')).toBeInstanceOf(MaintainerPasswordStrategy);
    expect(strategy('maintainer-totp')).toBeInstanceOf(MaintainerTotpStrategy);
    expect(strategy('member-link-session')).toBeInstanceOf(MemberLinkSessionStrategy);
  });

  it('an unknown bearer token: 401 with the challenge, through the api-token strategy', async () => {
    const res = await request(web.url).get('/api/applications').set('Authorization', 'Bearer cordon_unknown');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="cordon", error="invalid_token"');
    expect(res.body.code).toBe('NOT_AUTHENTICATED');
    expect(strategiesAsked()).toEqual(['api-token']);
  });

  it('a wrong password: the login form again, 401, through the maintainer-password strategy', async () => {
    const agent = request.agent(web.url);
    const page = await agent.get('/admin/login').expect(200);
    const res = await agent
      .post('/admin/login')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: 'nobody@project.example', password: 'not the password' });
    expect(res.status).toBe(401);
    expect(res.text).toContain('Maintainer login');
    expect(res.text).toContain('value="nobody@project.example"');
    expect(res.text).not.toContain('not the password');
    expect(strategiesAsked()).toEqual(['maintainer-password']);
  });

  it('a code without a password first: back to the login, through the maintainer-totp strategy', async () => {
    const agent = request.agent(web.url);
    const page = await agent.get('/admin/login').expect(200);
    const res = await agent
      .post('/admin/login/totp')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), code: '123456' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/login');
    expect(strategiesAsked()).toEqual(['maintainer-totp']);
  });

  it('a made-up sign-in link: refused as gone, no session, through the member-link-session strategy', async () => {
    const agent = request.agent(web.url);
    const page = await agent.get('/member/sign-in/made-up-token').expect(200);
    const res = await agent
      .post('/member/sign-in/made-up-token')
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(410);
    expect(strategiesAsked()).toEqual(['member-link-session']);
    expect((await agent.get('/member/home')).headers.location).toBe('/member?expired=1');
  });
});
