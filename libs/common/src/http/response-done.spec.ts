import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { onResponseDone } from './response-done';

const fakeResponse = () => new EventEmitter() as unknown as ServerResponse;

describe('onResponseDone', () => {
  it('runs every listener once, in order, when the response finishes', () => {
    const response = fakeResponse();
    const calls: string[] = [];
    onResponseDone(response, (finished) => calls.push(`a:${finished}`));
    onResponseDone(response, (finished) => calls.push(`b:${finished}`));
    onResponseDone(response, (finished) => calls.push(`c:${finished}`));
    // One pair of listeners on the response, however many parts wait for it.
    expect(response.listenerCount('finish')).toBe(1);
    expect(response.listenerCount('close')).toBe(1);
    response.emit('finish');
    // Node emits 'close' after 'finish' too: nothing runs twice.
    response.emit('close');
    expect(calls).toEqual(['a:true', 'b:true', 'c:true']);
    expect(response.listenerCount('finish')).toBe(0);
    expect(response.listenerCount('close')).toBe(0);
  });

  it('says when the response closed unanswered (the client went away)', () => {
    const response = fakeResponse();
    const calls: boolean[] = [];
    onResponseDone(response, (finished) => calls.push(finished));
    response.emit('close');
    response.emit('finish');
    expect(calls).toEqual([false]);
  });

  it('keeps each response to its own listeners', () => {
    const first = fakeResponse();
    const second = fakeResponse();
    const calls: string[] = [];
    onResponseDone(first, () => calls.push('first'));
    onResponseDone(second, () => calls.push('second'));
    second.emit('finish');
    expect(calls).toEqual(['second']);
  });
});
