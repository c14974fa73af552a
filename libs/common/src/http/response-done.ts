import type { ServerResponse } from 'node:http';

/** Called once per response: `finished` when it was answered, false when it closed unanswered. */
export type ResponseDoneListener = (finished: boolean) => void;

const LISTENERS = Symbol('responseDoneListeners');
type Tracked = ServerResponse & { [LISTENERS]?: ResponseDoneListener[] };

/**
 * Runs `listener` once the response is done: on 'finish' (answered), or on 'close' when the
 * client went away first. Every part of the service that waits for the end of a request (the
 * shutdown's drain, the in-flight cap, the request log, the provisioning log) shares one pair
 * of listeners on the response instead of hanging its own `once` pair each: every request paid
 * for six wrapped listeners, their removal and their dispatch (issue 16's profiles). Listeners
 * run in the order they were added, as the emitter's own would.
 */
export function onResponseDone(response: ServerResponse, listener: ResponseDoneListener): void {
  const tracked = response as Tracked;
  const listeners = tracked[LISTENERS];
  if (listeners) {
    listeners.push(listener);
    return;
  }
  const all = [listener];
  tracked[LISTENERS] = all;
  const done = (finished: boolean) => {
    response.removeListener('finish', onFinish);
    response.removeListener('close', onClose);
    for (const each of all) each(finished);
  };
  const onFinish = () => done(true);
  const onClose = () => done(false);
  response.on('finish', onFinish);
  response.on('close', onClose);
}
