import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';

/** The flag that keeps a public moment on a weekend or a listed holiday (README, PUBLIC_HOLIDAYS). */
export function AcceptNonWorkingDay(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      description:
        'Keep a public moment that falls on a weekend or a PUBLIC_HOLIDAYS holiday in timeZone; without it such a moment is refused with 422 NON_WORKING_DAY and the offered next working day.',
      default: false,
    }),
    IsOptional(),
    IsBoolean(),
  );
}

/** The refusal of such a moment, as the API documents it. */
export function NonWorkingDayRefusal(): MethodDecorator {
  return applyDecorators(
    ApiUnprocessableEntityResponse({
      description:
        'The public moment is on a weekend or a listed holiday in timeZone (RFC 9457 problem, code NON_WORKING_DAY): `offered` is the next working day at the same local time (YYYY-MM-DDTHH:MM), `why` is weekend or holiday, `holiday` its name. Send it as publicAt, or resend with acceptNonWorkingDay: true.',
    }),
  );
}
