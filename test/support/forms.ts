/** Small helpers for driving the server-rendered forms with supertest. */
export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no CSRF token in the page');
  return match[1];
}

export function pathOf(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}
