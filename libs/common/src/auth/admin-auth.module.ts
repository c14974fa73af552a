import { Global, Module } from '@nestjs/common';
import { AdminJwtService } from './admin-jwt.service';

/**
 * Admin JWT verification for every context. The guards themselves are instantiated by the
 * module of the controller that uses them (they need the directory's CompanyRegistry).
 */
@Global()
@Module({
  providers: [AdminJwtService],
  exports: [AdminJwtService],
})
export class AdminAuthModule {}
