import { SCIM_SERVICE_PROVIDER_CONFIG_SCHEMA } from './schema-urns';

/** What this server implements; each flag must be true only when the feature works. */
export interface ServiceProviderFeatures {
  patch: boolean;
  bulk: { supported: boolean; maxOperations: number; maxPayloadSize: number };
  filter: { supported: boolean; maxResults: number };
  changePassword: boolean;
  sort: boolean;
  etag: boolean;
  /** RFC 9865 pagination capabilities. */
  pagination?: {
    cursor: boolean;
    index: boolean;
    defaultPaginationMethod: 'index' | 'cursor';
    defaultPageSize: number;
    maxPageSize: number;
    cursorTimeout: number;
  };
}

/** The ServiceProviderConfig resource of RFC 7643 §5 for the given features. */
export function serviceProviderConfig(
  features: ServiceProviderFeatures,
  location: string,
  documentationUri?: string,
) {
  return {
    schemas: [SCIM_SERVICE_PROVIDER_CONFIG_SCHEMA],
    ...(documentationUri ? { documentationUri } : {}),
    patch: { supported: features.patch },
    bulk: features.bulk,
    filter: features.filter,
    changePassword: { supported: features.changePassword },
    sort: { supported: features.sort },
    etag: { supported: features.etag },
    ...(features.pagination ? { pagination: features.pagination } : {}),
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description:
          'Authentication with a provisioning token created by a company admin, sent as `Authorization: Bearer <token>`.',
        specUri: 'https://www.rfc-editor.org/info/rfc6750',
        primary: true,
      },
    ],
    meta: {
      resourceType: 'ServiceProviderConfig',
      location,
    },
  };
}
