import type { Response } from 'express';

/** One operation of a request that carries several (a SCIM Bulk request, RFC 7644 §3.7). */
export interface OperationOutcome {
  method: string;
  resourceType: string;
  resourceId: string | null;
  status: number;
  errorDetail: string | null;
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
