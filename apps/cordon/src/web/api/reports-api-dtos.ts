import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
  ValidateIf,
} from 'class-validator';

/** The longest text a maintainer writes about a report (a question, reason, comment or message). */
const TEXT_MAX = 20000;

/** What the API takes for the triage steps (POST /api/reports/:id/…). The domain checks them again. */
export class AskReporterDto {
  @ApiProperty({ description: 'Sent to the reporter; the report then needs information.', maxLength: TEXT_MAX })
  @IsString()
  @MinLength(1)
  @MaxLength(TEXT_MAX)
  question!: string;
}

export class AcceptReportDto {
  @ApiPropertyOptional({ description: "The embargo's title; the affected component when left out.", maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  title?: string;

  @ApiProperty({
    description: 'Local date and time the issue becomes public, in timeZone.',
    example: '2026-12-18T14:00',
  })
  @IsString()
  @MaxLength(16)
  publicAt!: string;

  @ApiProperty({ description: 'IANA time zone of publicAt.', example: 'Europe/Berlin' })
  @IsString()
  @MaxLength(64)
  timeZone!: string;

  @ApiPropertyOptional({ type: [String], example: ['CVE-2026-12345'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(30, { each: true })
  cveIds?: string[];

  @ApiPropertyOptional({ example: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', maxLength: 300, nullable: true })
  @IsOptional()
  @ValidateIf((_o, value) => value !== null)
  @IsString()
  @MaxLength(300)
  cvssVector?: string | null;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  fixedVersions?: string;

  @ApiPropertyOptional({
    description: "Required when the embargo runs past MAX_EMBARGO_BUSINESS_DAYS, counted from the report's date.",
    maxLength: 2000,
    nullable: true,
  })
  @IsOptional()
  @ValidateIf((_o, value) => value !== null)
  @IsString()
  @MaxLength(2000)
  overLimitReason?: string | null;
}

export class RejectReportDto {
  @ApiProperty({ description: 'Sent to the reporter.', minLength: 10, maxLength: TEXT_MAX })
  @IsString()
  @MinLength(10)
  @MaxLength(TEXT_MAX)
  reason!: string;
}

export class MarkDuplicateDto {
  @ApiProperty({ description: 'The report this one duplicates: its reference or id.', example: 'REP-7' })
  @IsString()
  @Matches(/^(REP-\d{1,9}|[0-9a-fA-F-]{36})$/, { message: 'of must be a report reference (REP-n) or id' })
  of!: string;
}

export class AssignHandlerDto {
  @ApiProperty({ description: 'An active maintainer, or null for nobody.', format: 'uuid', nullable: true })
  @ValidateIf((_o, value) => value !== null)
  @IsUUID()
  handlerId!: string | null;
}

export class ReportCommentDto {
  @ApiProperty({ description: 'Internal: never shown to the reporter.', maxLength: TEXT_MAX })
  @IsString()
  @MinLength(1)
  @MaxLength(TEXT_MAX)
  text!: string;
}

export class ProposePublicDateDto {
  @ApiProperty({ description: 'Local date and time proposed, in timeZone.', example: '2026-12-18T14:00' })
  @IsString()
  @MaxLength(16)
  publicAt!: string;

  @ApiProperty({ example: 'Europe/Berlin' })
  @IsString()
  @MaxLength(64)
  timeZone!: string;
}

export class ReportMessageDto {
  @ApiProperty({ enum: ['reporter', 'outsider'], description: 'The reporter, or another named outside party.' })
  @IsIn(['reporter', 'outsider'])
  to!: 'reporter' | 'outsider';

  @ApiPropertyOptional({ description: "The outside party's name (for `outsider`).", maxLength: 200 })
  @ValidateIf((o: ReportMessageDto) => o.to === 'outsider')
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ description: "The outside party's address (for `outsider`).", maxLength: 320 })
  @ValidateIf((o: ReportMessageDto) => o.to === 'outsider')
  @IsString()
  @MinLength(3)
  @MaxLength(320)
  email?: string;

  @ApiPropertyOptional({
    description: "The outside party's OpenPGP public key, armored (for `outsider`): the message is encrypted to it.",
    maxLength: 100000,
  })
  @ValidateIf((o: ReportMessageDto) => o.to === 'outsider')
  @IsString()
  @MinLength(1)
  @MaxLength(100000)
  key?: string;

  @ApiProperty({
    description: 'Encrypted to the party, signed by the list key, kept in the history.',
    maxLength: TEXT_MAX,
  })
  @IsString()
  @MinLength(1)
  @MaxLength(TEXT_MAX)
  text!: string;
}
