import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsISO8601, IsOptional, IsString, IsUUID, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { LEAK_EVIDENCE_MAX, LEAK_TEXT_MAX } from '@cordon/embargo';

/** A leak report filed by a maintainer (POST /api/leaks). The domain checks it again. */
export class FileLeakReportDto {
  @ApiPropertyOptional({ description: 'The embargo it is about, if known.', format: 'uuid', nullable: true })
  @IsOptional()
  @ValidateIf((_o, value) => value !== null)
  @IsUUID()
  embargoId?: string | null;

  @ApiProperty({ maxLength: LEAK_TEXT_MAX })
  @IsString()
  @MinLength(1)
  @MaxLength(LEAK_TEXT_MAX)
  whatLeaked!: string;

  @ApiProperty({ description: 'To whom it leaked.', maxLength: LEAK_TEXT_MAX })
  @IsString()
  @MinLength(1)
  @MaxLength(LEAK_TEXT_MAX)
  leakedTo!: string;

  @ApiPropertyOptional({ description: 'When it leaked, if known (ISO 8601).', example: '2026-11-20T14:05:00Z' })
  @IsOptional()
  @ValidateIf((_o, value) => value !== null)
  @IsISO8601({ strict: true })
  leakedAt?: string | null;

  @ApiPropertyOptional({ maxLength: LEAK_EVIDENCE_MAX })
  @IsOptional()
  @IsString()
  @MaxLength(LEAK_EVIDENCE_MAX)
  evidence?: string;

  @ApiProperty({ description: 'The reporter itself leaked it.' })
  @IsBoolean()
  selfReported!: boolean;

  @ApiPropertyOptional({ description: 'A member suspected of the leak: a hint, not an attribution.', format: 'uuid' })
  @IsOptional()
  @ValidateIf((_o, value) => value !== null)
  @IsUUID()
  suspectedMemberId?: string | null;
}

export class DismissLeakReportDto {
  @ApiProperty({ minLength: 10, maxLength: 2000 })
  @IsString()
  @MinLength(10)
  @MaxLength(2000)
  reason!: string;
}

export class ConfirmLeakReportDto {
  @ApiProperty({ description: 'The member the leak is attributed to: a strike.', format: 'uuid' })
  @IsUUID()
  memberId!: string;

  @ApiProperty({ description: 'Recorded, and told to the member, encrypted.', minLength: 10, maxLength: 2000 })
  @IsString()
  @MinLength(10)
  @MaxLength(2000)
  reason!: string;

  @ApiPropertyOptional({ description: "Mark the report's embargo broken: it ends now.", default: false })
  @IsOptional()
  @IsBoolean()
  embargoBroken?: boolean;
}
