import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CompanyId, CurrentCompany } from '@app/common';
import { ScimRoute } from '@app/tokens';
import { searchBody, UsersController } from './users/users.controller';

/** POST /.search at the service root (RFC 7644 §3.4.3): across every resource type served. */
@Controller('api/scim/v2')
@ScimRoute()
export class SearchController {
  constructor(private readonly users: UsersController) {}

  @Post('.search')
  @HttpCode(200)
  search(@CurrentCompany() companyId: CompanyId, @Body() body: unknown) {
    return this.users.searchByPost(companyId, searchBody(body));
  }
}
