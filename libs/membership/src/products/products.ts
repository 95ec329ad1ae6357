import { DomainError } from '@cordon/errors';

/** How a product (a component, a package) is named: lowercase, as package names are (issue 14). */
const PRODUCT = /^[a-z0-9][a-z0-9._+:@/-]{0,99}$/;
/** The most products one member or one embargo names. */
export const PRODUCTS_MAX = 200;

/**
 * A list of products as members and maintainers type it (one per line, or separated by commas):
 * trimmed, lowercased, without duplicates, sorted. A name that is not a product name, or more than
 * PRODUCTS_MAX, is refused with the field `products`.
 */
export function normaliseProducts(list: string[] | string): string[] {
  const items = (typeof list === 'string' ? [list] : list).flatMap((item) => String(item).split(/[,\r\n]+/));
  const products = [...new Set(items.map((item) => item.trim().toLowerCase()).filter(Boolean))].sort();
  const bad = products.find((product) => !PRODUCT.test(product));
  if (bad !== undefined) {
    throw new DomainError(
      'INVALID_INPUT',
      `"${bad.slice(0, 40)}" is not a product name: use letters, digits and . _ + : @ / - (at most 100 characters).`,
      'products',
    );
  }
  if (products.length > PRODUCTS_MAX) {
    throw new DomainError('INVALID_INPUT', `Name at most ${PRODUCTS_MAX} products.`, 'products');
  }
  return products;
}
