import { ResourceSchema } from './resource-schema';
import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from './user.schema';
import { GROUP_SCHEMA } from './group.schema';

/** The User resource type (RFC 7643 §4.1) with the enterprise extension (§4.3). */
export const USER_RESOURCE: ResourceSchema = {
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  core: USER_SCHEMA,
  extensions: [ENTERPRISE_USER_SCHEMA],
};

/** The Group resource type (RFC 7643 §4.2). */
export const GROUP_RESOURCE: ResourceSchema = {
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group',
  core: GROUP_SCHEMA,
  extensions: [],
};
