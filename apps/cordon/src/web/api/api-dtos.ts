import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { AcceptNonWorkingDay } from './non-working-day-api';
import { DESCRIPTION_MAX, MITIGATIONS_MAX, REFERENCES_MAX } from '@cordon/embargo';

export class DecisionDto {
  @ApiProperty({ enum: ['approve', 'reject', 'request_info'] })
  @IsIn(['approve', 'reject', 'request_info'])
  decision!: 'approve' | 'reject' | 'request_info';

  @ApiPropertyOptional({
    description:
      'Required to reject; mailed to the applicant, encrypted. To approve without a vouch, which only the ' +
      "list's first members may be (while it has no active member), the reason for it, recorded.",
    maxLength: 5000,
  })
  @ValidateIf((o: DecisionDto) => o.decision === 'reject' || o.reason !== undefined)
  @IsString()
  @MinLength(1)
  @MaxLength(5000)
  reason?: string;

  @ApiPropertyOptional({ description: 'Required to ask for more information.', maxLength: 5000 })
  @ValidateIf((o: DecisionDto) => o.decision === 'request_info')
  @IsString()
  @MinLength(1)
  @MaxLength(5000)
  question?: string;
}

export class CommentDto {
  @ApiProperty({ maxLength: 5000 })
  @IsString()
  @MinLength(1)
  @MaxLength(5000)
  body!: string;
}

export class MemberStatusDto {
  @ApiProperty({ enum: ['suspend', 'reinstate', 'remove'] })
  @IsIn(['suspend', 'reinstate', 'remove'])
  action!: 'suspend' | 'reinstate' | 'remove';

  @ApiProperty({ description: 'Told to the member, encrypted.', maxLength: 5000 })
  @IsString()
  @MinLength(1)
  @MaxLength(5000)
  reason!: string;
}

export class LinkPostDto {
  @ApiProperty({ description: 'The embargo the post belongs to (a post is linked once).', format: 'uuid' })
  @IsUUID()
  embargoId!: string;
}

export class StatusFilterDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(40)
  status?: string;
}

export class CreateEmbargoDto {
  @ApiProperty({ maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title!: string;

  @ApiPropertyOptional({ type: [String], example: ['CVE-2026-12345'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(30, { each: true })
  cveIds?: string[];

  @ApiPropertyOptional({ example: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', maxLength: 300 })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  cvssVector?: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  affectedVersions?: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  fixedVersions?: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reporterCredit?: string;

  @ApiProperty({ description: 'Local date and time as agreed, in timeZone.', example: '2026-12-08T14:00' })
  @IsString()
  @MaxLength(16)
  publicAt!: string;

  @ApiProperty({ description: 'IANA time zone the date was agreed in.', example: 'Europe/Berlin' })
  @IsString()
  @MaxLength(64)
  timeZone!: string;

  @ApiPropertyOptional({ description: 'Required past MAX_EMBARGO_BUSINESS_DAYS.', maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  overLimitReason?: string;

  @ApiPropertyOptional({
    type: [String],
    maxItems: 200,
    description: 'The affected products (issue 14): in audienceMode products, the members shipping one receive it.',
    example: ['libxml2'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  products?: string[];

  @ApiPropertyOptional({
    enum: ['all', 'products'],
    description: 'Who receives it: every member, or those shipping an affected product. Default: EMBARGO_AUDIENCE.',
  })
  @IsOptional()
  @IsIn(['all', 'products'])
  audienceMode?: 'all' | 'products';

  @AcceptNonWorkingDay()
  acceptNonWorkingDay?: boolean;

  @ApiPropertyOptional({ maxLength: DESCRIPTION_MAX })
  @IsOptional()
  @IsString()
  @MaxLength(DESCRIPTION_MAX)
  description?: string;

  @ApiPropertyOptional({ maxLength: MITIGATIONS_MAX, description: 'What members can do before a fix.' })
  @IsOptional()
  @IsString()
  @MaxLength(MITIGATIONS_MAX)
  mitigations?: string;

  @ApiPropertyOptional({ type: [String], maxItems: REFERENCES_MAX, description: 'http(s) URLs.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(REFERENCES_MAX)
  @IsString({ each: true })
  @MaxLength(2000, { each: true })
  references?: string[];
}

export class ExtendEmbargoDto {
  @ApiProperty({ description: 'The new public date and time, local, in timeZone.', example: '2026-12-15T14:00' })
  @IsString()
  @MaxLength(16)
  publicAt!: string;

  @ApiProperty({ example: 'Europe/Berlin' })
  @IsString()
  @MaxLength(64)
  timeZone!: string;

  @ApiProperty({ description: 'Told to the members, encrypted.', maxLength: 2000 })
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  reason!: string;

  @AcceptNonWorkingDay()
  acceptNonWorkingDay?: boolean;
}
