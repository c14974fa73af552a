import { ApiProperty } from '@nestjs/swagger';

/** Nest's error shape on the admin and platform API; `message` names the field for a 400. */
export class ErrorBody {
  @ApiProperty({ type: 'integer' })
  statusCode: number;

  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] })
  message: string | string[];

  /** The status's reason phrase ("Bad Request"). */
  error?: string;
}
