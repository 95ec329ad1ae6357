import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { POLICY_MAX } from '@cordon/policy';

/** The next version of the Embargo Policy (POST /api/policy/versions). PublishPolicy checks it again. */
export class PublishPolicyDto {
  @ApiProperty({ description: 'The whole text of the new version (CRLF is stored as LF).', maxLength: POLICY_MAX })
  @IsString()
  @MinLength(1)
  @MaxLength(POLICY_MAX)
  body!: string;

  @ApiProperty({
    description:
      'The version current when the text was written: if another was published since, the publish is refused, ' +
      'as in the admin UI.',
    minimum: 1,
  })
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  basedOn!: number;
}

export class AcknowledgementsQueryDto {
  @ApiPropertyOptional({ description: 'The policy version; the current one when left out.', minimum: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  version?: number;
}
