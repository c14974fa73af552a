import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminCompanyRoute, CompanyId, CurrentCompany } from '@app/common';
import { ActivityService } from './activity.service';
import { ActivityPageView } from './activity.view';
import { ListActivityQuery } from './list-activity.query';

@Controller('api/companies/:companyId/scim/activity')
@AdminCompanyRoute()
@ApiTags('Activity')
export class ActivityController {
  constructor(private readonly activity: ActivityService) {}

  /** What the IdP did, newest first: every SCIM write and every refused or failed request. */
  @Get()
  @ApiOkResponse({ type: ActivityPageView })
  listActivity(
    @CurrentCompany() companyId: CompanyId,
    @Query() query: ListActivityQuery,
  ): Promise<ActivityPageView> {
    return this.activity.list(companyId, query);
  }
}
