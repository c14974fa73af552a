export * from './scim-token.entity';
export * from './tokens.service';
export * from './tokens.module';
export {
  CurrentScimCaller,
  CurrentScimCause,
  forCaller,
  PendingTokenCheck,
  ScimAuthGuard,
  ScimDiscoveryRoute,
  ScimRoute,
  TokenCheckedInRead,
} from './scim-auth.guard';
export type { ScimCaller } from './scim-auth.guard';
export { scimCredentialKey } from './token-secret';
