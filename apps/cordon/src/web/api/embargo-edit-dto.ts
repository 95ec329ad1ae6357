import { PartialType, PickType } from '@nestjs/swagger';
import { CreateEmbargoDto } from './api-dtos';

/**
 * What may change of an embargo (issue 14), bounded as at creation: a field left out is unchanged,
 * a list given replaces the list. The domain checks the meaning (CVE IDs, http(s) URLs, control
 * characters) and answers a refusal naming the field.
 */
export class EditEmbargoDto extends PartialType(
  PickType(CreateEmbargoDto, [
    'title',
    'cveIds',
    'affectedVersions',
    'fixedVersions',
    'description',
    'mitigations',
    'references',
  ] as const),
) {}
