import type { Response } from 'express';

/** One operation of a request that carries several (a SCIM Bulk request, RFC 7644 §3.7). */
export interface OperationOutcome {
  method: string;
  resourceType: string;
  resourceId: string | null;
  status: number;
  errorDetail: string | null;
  /** What it did and to whom, as rememberActivity records a request's. */
  activity?: Activity;
}

const OUTCOMES = Symbol('operationOutcomes');
type WithOutcomes = Response & { [OUTCOMES]?: OperationOutcome[] };

/**
 * A Bulk request answers 200 whatever its operations did; it leaves each operation's outcome
 * on the response so the provisioning log (and so the sync status card) records them one by
 * one, as if they had been sent alone.
 */
export function rememberOperationOutcomes(response: Response, outcomes: OperationOutcome[]): void {
  (response as WithOutcomes)[OUTCOMES] = outcomes;
}

export function operationOutcomesOf(response: Response): OperationOutcome[] | undefined {
  return (response as WithOutcomes)[OUTCOMES];
}

/**
 * Something a successful request did not do as asked, but which did not fail it: a group
 * member id that names nobody in the company, skipped. The provisioning log records each one
 * (outcome `warning`), so the status card can show them.
 */
export interface ProvisioningWarning {
  method: string;
  resourceType: string;
  resourceId: string | null;
  status: number;
  detail: string;
}

const WARNINGS = Symbol('provisioningWarnings');
type WithWarnings = Response & { [WARNINGS]?: ProvisioningWarning[] };

export function rememberWarnings(response: Response, warnings: ProvisioningWarning[]): void {
  if (warnings.length === 0) return;
  const target = response as WithWarnings;
  (target[WARNINGS] ??= []).push(...warnings);
}

export function warningsOf(response: Response): ProvisioningWarning[] {
  return (response as WithWarnings)[WARNINGS] ?? [];
}

/**
 * What a SCIM write did, in the domain's words, and whom it concerned: the Activity view shows
 * "Dana was deactivated", not "PATCH /Users/2819c223". Handlers say what only they know (that a
 * PATCH turned `active` off; the userName of a user a DELETE removed); the provisioning log
 * takes the rest from the request body.
 */
export interface Activity {
  /** `user.created`, `user.updated`, `user.deactivated`, `user.reactivated`, `group.updated`... */
  operation?: string;
  /** The userName or group displayName. */
  subject?: string;
}

const ACTIVITY = Symbol('provisioningActivity');
type WithActivity = Response & { [ACTIVITY]?: Activity };

export function rememberActivity(response: Response, activity: Activity): void {
  (response as WithActivity)[ACTIVITY] = activity;
}

export function activityOf(response: Response): Activity | undefined {
  return (response as WithActivity)[ACTIVITY];
}
