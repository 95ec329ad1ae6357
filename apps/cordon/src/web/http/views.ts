import { Eta } from 'eta';

/**
 * Eta templates, auto-escaping on (the default, kept explicit): `<%= x %>` escapes, and only
 * `<%~ x %>` writes raw HTML, which no template uses for user input.
 */
export function etaEngine(viewsDir: string, cache: boolean) {
  const eta = new Eta({ views: viewsDir, autoEscape: true, cache, defaultExtension: '.eta', varName: 'it' });
  return (file: string, data: object, done: (err: unknown, html?: string) => void): void => {
    try {
      const name = file.startsWith(viewsDir) ? file.slice(viewsDir.length).replace(/\.eta$/, '') : file;
      done(null, eta.render(name, data as Record<string, unknown>));
    } catch (error) {
      done(error);
    }
  };
}
