import { ApiProperty, ApiPropertyOptional, ApiPropertyOptions } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';

/**
 * The bounds of a products list at the edge (issue 14, "An audience per embargo"): the domain's
 * normaliseProducts checks each name's grammar and names the field when one is wrong.
 */
export const PRODUCTS_MAX = 200;
export const PRODUCT_NAME_MAX = 100;
/** More picks than a list has members is not a real request. */
const PICKS_MAX = 5000;

const productsDoc: ApiPropertyOptions & { description: string } = {
  type: [String],
  maxItems: PRODUCTS_MAX,
  description:
    'Product (component, package) names: lowercase letters, digits and . _ + : @ / -, at most 100 characters ' +
    'each; trimmed, lowercased, deduplicated and sorted when stored.',
  example: ['openssl', 'libxml2'],
};

/** PUT /api/members/{id}/products: the whole list, replacing the one stored. */
export class MemberProductsDto {
  @ApiProperty(productsDoc)
  @IsArray()
  @ArrayMaxSize(PRODUCTS_MAX)
  @IsString({ each: true })
  @MaxLength(PRODUCT_NAME_MAX, { each: true })
  products!: string[];
}

/** PUT /api/embargoes/{id}/audience: each part given is set; a part left out stays as it is. */
export class AudienceChangeDto {
  @ApiPropertyOptional({
    enum: ['all', 'products'],
    description: "'all': every member on the list; 'products': the members shipping an affected product.",
  })
  @IsOptional()
  @IsIn(['all', 'products'])
  mode?: 'all' | 'products';

  @ApiPropertyOptional({ ...productsDoc, description: `The embargo's affected products. ${productsDoc.description}` })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(PRODUCTS_MAX)
  @IsString({ each: true })
  @MaxLength(PRODUCT_NAME_MAX, { each: true })
  products?: string[];

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    description: 'The members included whatever they ship (the whole list of inclusions: one not named is no longer).',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(PICKS_MAX)
  @IsUUID('all', { each: true })
  include?: string[];

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    description: 'The members excluded whatever they ship (the whole list of exclusions: one not named is no longer).',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(PICKS_MAX)
  @IsUUID('all', { each: true })
  exclude?: string[];
}
