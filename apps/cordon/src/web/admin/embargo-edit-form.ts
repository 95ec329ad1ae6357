import { z } from 'zod';
import { DESCRIPTION_MAX, EmbargoView, MITIGATIONS_MAX, REFERENCES_MAX } from '@cordon/embargo';

const optional = (max: number) => z.string().trim().max(max, `At most ${max} characters.`);

/** One reference a line, each an http(s) URL of at most 2000 characters (the domain checks them). */
const REFERENCES_TEXT_MAX = REFERENCES_MAX * 2001;

/**
 * The description, mitigations and references of an embargo (issue 14), as the create and the edit
 * forms take them; the domain checks meaning (URLs, control characters), the form only bounds.
 */
export const adviceFields = {
  description: optional(DESCRIPTION_MAX),
  mitigations: optional(MITIGATIONS_MAX),
  references: optional(REFERENCES_TEXT_MAX),
};

/** The edit form on the embargo page (section "edit"): every field is posted, the unchanged ones too. */
export const editForm = z.object({
  title: z.string().trim().min(1, 'A title is required.').max(200, 'At most 200 characters.'),
  cveIds: optional(700),
  affectedVersions: optional(2000),
  fixedVersions: optional(2000),
  ...adviceFields,
});

/** The edit form filled in with the embargo as it is. */
export function editValues(embargo: EmbargoView): Record<string, string> {
  return {
    title: embargo.title,
    cveIds: embargo.cveIds.join(', '),
    affectedVersions: embargo.affectedVersions,
    fixedVersions: embargo.fixedVersions,
    description: embargo.description,
    mitigations: embargo.mitigations,
    references: embargo.references.join('\n'),
  };
}
