import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ScimAuthGuard } from './scim-auth.guard';
import { ScimTokenEntity } from './scim-token.entity';
import { TokensController } from './tokens.controller';
import { TokensService } from './tokens.service';

@Module({
  imports: [TypeOrmModule.forFeature([ScimTokenEntity])],
  controllers: [TokensController],
  providers: [TokensService, ScimAuthGuard],
  exports: [TokensService, ScimAuthGuard],
})
export class TokensModule {}
