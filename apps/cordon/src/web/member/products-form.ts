import { z } from 'zod';

/** At most 200 names of at most 100 characters, one a line (normaliseProducts checks each). */
export const PRODUCTS_TEXT_MAX = 200 * 102;

/**
 * The products textarea, in self-service and on the admin member page (issue 14): one name a line
 * (commas work too). The form only bounds it; the membership lib's normaliseProducts checks each name
 * and names the field when one is wrong.
 */
export const productsForm = z.object({
  products: z.string().max(PRODUCTS_TEXT_MAX, 'At most 200 products, of at most 100 characters each.'),
});

/** A stored list as the textarea shows it. */
export const productLines = (products: readonly string[]) => products.join('\n');
