/**
 * Affected and fixed versions are free text on an embargo ("1.2.0, 1.2.1", "all releases before
 * 2.4.1", "libfoo 3.x"). An advisory may only state as versions what the maintainers wrote as
 * versions, so the text is read as a list only when every item of it is a plain version; anything
 * else is carried over as the text it is (see README.md beside this file).
 */
export type VersionText =
  | { kind: 'none' }
  /** Every item is a version, in the order given, duplicates dropped. */
  | { kind: 'list'; versions: string[] }
  /** Not a plain list: kept as written. */
  | { kind: 'text'; text: string };

// Items are separated by commas, semicolons or white space.
const SEPARATORS = /[\s,;]+/;
// A version: digits and dots, optionally a "v" in front and a pre-release or build suffix after
// ("2.4.1", "v1.0", "1.2.3-rc1", "1.0.0+deb12u1", "2.0~beta1"). "2.x", "<2.4", "all" are not.
const VERSION = /^v?\d+(\.\d+)*([-+~][0-9A-Za-z][0-9A-Za-z.+~-]*)?$/;
const MAX_VERSIONS = 200;

export function readVersions(text: string): VersionText {
  const trimmed = text.trim();
  if (!trimmed) return { kind: 'none' };
  const items = trimmed.split(SEPARATORS).filter(Boolean);
  if (items.length > MAX_VERSIONS || !items.every((item) => VERSION.test(item))) return { kind: 'text', text: trimmed };
  return { kind: 'list', versions: [...new Set(items)] };
}
