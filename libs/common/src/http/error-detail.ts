import type { Response } from 'express';

const ERROR_DETAIL = Symbol('errorDetail');

/** The exception filter leaves an error's detail on the response, for the provisioning log. */
export function rememberErrorDetail(response: Response, detail: string): void {
  (response as Response & { [ERROR_DETAIL]?: string })[ERROR_DETAIL] = detail;
}

export function errorDetailOf(response: Response): string | undefined {
  return (response as Response & { [ERROR_DETAIL]?: string })[ERROR_DETAIL];
}
