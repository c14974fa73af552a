import { All, Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import {
  CompanyId,
  CurrentCompany,
  RateLimitBudget,
  CurrentCause,
  EventCause,
  rememberOperationOutcomes,
  rememberWarnings,
  requestIdOf,
} from '@app/common';
import { ScimError } from '@app/scim-protocol';
import { ScimRoute } from '@app/tokens';
import { BulkService } from './bulk.service';

/**
 * `POST /Bulk` (RFC 7644 §3.7). The body limit (maxPayloadSize) is enforced by the body
 * parser before this runs; maxOperations when the request is parsed. The answer is 200 with
 * a BulkResponse whatever the operations did: each carries its own status.
 */
// The SCIM API is described by its own discovery endpoints (RFC 7644 §4), not OpenAPI.
@ApiExcludeController()
@Controller('api/scim/v2/Bulk')
@ScimRoute()
export class BulkController {
  constructor(
    private readonly bulk: BulkService,
    private readonly budget: RateLimitBudget,
  ) {}

  @Post()
  @HttpCode(200)
  async run(
    @CurrentCompany() companyId: CompanyId,
    @CurrentCause() cause: EventCause,
    @Body() body: unknown,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ) {
    // The rate limit guard counted this request once; each further operation counts too.
    const operations = (body as { Operations?: unknown } | null)?.Operations;
    if (Array.isArray(operations) && operations.length > 1) {
      await this.budget.charge(request, response, operations.length - 1);
    }
    const {
      body: answer,
      outcomes,
      warnings,
    } = await this.bulk.run(companyId, cause, body, requestIdOf(request));
    rememberOperationOutcomes(response, outcomes);
    rememberWarnings(response, warnings);
    return answer;
  }

  @All()
  methodNotAllowed(@Res({ passthrough: true }) response: Response) {
    response.setHeader('Allow', 'POST');
    throw new ScimError(405, 'The /Bulk endpoint supports POST');
  }
}
