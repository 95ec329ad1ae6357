import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';

export class DecisionDto {
  @ApiProperty({ enum: ['approve', 'reject', 'request_info'] })
  @IsIn(['approve', 'reject', 'request_info'])
  decision!: 'approve' | 'reject' | 'request_info';

  @ApiPropertyOptional({ description: 'Required to reject; mailed to the applicant, encrypted.', maxLength: 5000 })
  @ValidateIf((o: DecisionDto) => o.decision === 'reject')
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

export class StatusFilterDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(40)
  status?: string;
}
