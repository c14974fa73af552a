import { Foundation1732300000000 } from './migrations/1732300000000-foundation';
import { UsersAndMembers1732400000000 } from './migrations/1732400000000-users-and-members';
import { GroupsAndAccess1732500000000 } from './migrations/1732500000000-groups-and-access';
import { SyncAndReconciliation1732600000000 } from './migrations/1732600000000-sync-and-reconciliation';
import { MemberKeysetIndex1732700000000 } from './migrations/1732700000000-member-keyset-index';
import { AuditLog1732800000000 } from './migrations/1732800000000-audit-log';
import { NestedGroupsAndUnassignedActive1732900000000 } from './migrations/1732900000000-nested-groups-and-unassigned-active';
import { EventsAndWebhooks1733000000000 } from './migrations/1733000000000-events-and-webhooks';
import { ProvisioningActivity1733100000000 } from './migrations/1733100000000-provisioning-activity';
import { KeptDrift1733200000000 } from './migrations/1733200000000-kept-drift';
import { IndexedUserAttributes1733300000000 } from './migrations/1733300000000-indexed-user-attributes';
import { DriftTriggersOnCreate1733400000000 } from './migrations/1733400000000-drift-triggers-on-create';
import { DriftMarksOnce1733500000000 } from './migrations/1733500000000-drift-marks-once';
import { WellFormedDocuments1733600000000 } from './migrations/1733600000000-well-formed-documents';
import { DriftMarksPrepared1733700000000 } from './migrations/1733700000000-drift-marks-prepared';

/**
 * Every migration, in order. Listed explicitly (not globbed) so the built service, the tests
 * and the TypeORM CLI run exactly the same set.
 */
export const migrations = [
  Foundation1732300000000,
  UsersAndMembers1732400000000,
  GroupsAndAccess1732500000000,
  SyncAndReconciliation1732600000000,
  MemberKeysetIndex1732700000000,
  AuditLog1732800000000,
  NestedGroupsAndUnassignedActive1732900000000,
  EventsAndWebhooks1733000000000,
  ProvisioningActivity1733100000000,
  KeptDrift1733200000000,
  IndexedUserAttributes1733300000000,
  DriftTriggersOnCreate1733400000000,
  DriftMarksOnce1733500000000,
  WellFormedDocuments1733600000000,
  DriftMarksPrepared1733700000000,
];
