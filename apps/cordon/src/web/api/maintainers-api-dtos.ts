import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

export class NewMaintainerDto {
  @ApiProperty({ maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  @ApiProperty({ maxLength: 254 })
  @IsString()
  @MaxLength(254)
  email!: string;

  @ApiProperty({
    description: 'The new maintainer’s armored OpenPGP public key, with a user ID for its address.',
    maxLength: 65536,
  })
  @IsString()
  @MinLength(1)
  @MaxLength(65536)
  key!: string;

  @ApiProperty({
    description:
      'A current code from YOUR authenticator app: adding a maintainer needs it even with a valid token. ' +
      'A code already used (at login or here) is refused.',
    maxLength: 20,
  })
  @IsString()
  @MinLength(1)
  @MaxLength(20)
  totpCode!: string;
}

export class MaintainerKeyDto {
  @ApiProperty({
    description: 'Your new armored OpenPGP public key, with a user ID for your address.',
    maxLength: 65536,
  })
  @IsString()
  @MinLength(1)
  @MaxLength(65536)
  key!: string;
}
