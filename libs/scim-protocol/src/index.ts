export * from './schema-urns';
export * from './scim-error';
export * from './service-provider-config';
