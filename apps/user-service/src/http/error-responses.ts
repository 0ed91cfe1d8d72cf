import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiPayloadTooLargeResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';

// OpenAPI schemas of the platform's error bodies (see http-errors.ts and configure-http in libs/platform).

export class FieldErrorBody {
  @ApiProperty({ example: 'email' })
  field!: string;

  @ApiProperty({ type: [String], example: ['must be a valid email address'] })
  messages!: string[];
}

export class ValidationErrorBody {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request' })
  error!: string;

  @ApiProperty({ example: 'Validation failed' })
  message!: string;

  @ApiPropertyOptional({ type: [FieldErrorBody], description: 'One entry per offending field' })
  errors?: FieldErrorBody[];
}

export class ErrorBody {
  @ApiProperty({ example: 409 })
  statusCode!: number;

  @ApiProperty({ example: 'Conflict' })
  error!: string;

  @ApiPropertyOptional({ description: 'Stable error code, safe to branch on', example: 'EMAIL_TAKEN' })
  code?: string;

  @ApiProperty({ example: 'A user with this email already exists' })
  message!: string;
}

/** What any request with a JSON body may get besides its own answers. */
export const ApiJsonBodyErrors = (
  badRequest = 'Invalid fields (listed one by one), unknown fields or malformed JSON',
) =>
  applyDecorators(
    ApiValidationError(badRequest),
    ApiPayloadTooLargeResponse({ type: ErrorBody, description: 'Body larger than 100 KB' }),
    ApiUnsupportedMediaTypeResponse({ type: ErrorBody, description: 'Body is not application/json' }),
  );

export const ApiNotFound = (description: string) => ApiNotFoundResponse({ type: ErrorBody, description });

export const ApiConflict = (description: string) => ApiConflictResponse({ type: ErrorBody, description });

export const ApiValidationError = (description: string) =>
  ApiBadRequestResponse({ type: ValidationErrorBody, description });
