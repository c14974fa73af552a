export * from './scim-token.entity';
export * from './tokens.service';
export * from './tokens.module';
export { ScimAuthGuard, ScimDiscoveryRoute, ScimRoute } from './scim-auth.guard';
export { scimCredentialKey } from './token-secret';
