import { loggedPath } from './logged-path';

describe('loggedPath', () => {
  it('names the route pattern, not the token in the path', () => {
    const req = { baseUrl: '', path: '/report/access/s3cr3t-token', route: { path: '/report/access/:token' } };
    expect(loggedPath(req)).toBe('/report/access/:token');
  });

  it('keeps only the first segment when no route matched', () => {
    expect(loggedPath({ baseUrl: '', path: '/report/access/s3cr3t-token' })).toBe('/report/…');
    expect(loggedPath({ baseUrl: '', path: '/metrics' })).toBe('/metrics');
  });
});
