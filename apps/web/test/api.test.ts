import { AuthClientError } from '@tessera/client';
import { describe, expect, it } from 'vitest';
import { errorOf, messageOf, throttledMessage } from '../src/api';

const THROTTLED = (seconds: number) => ({
  detail: `Request was throttled. Expected available in ${seconds} seconds.`,
  code: 'throttled',
});

describe('what the web app says about a 429', () => {
  it.each([
    [1, 'Too many attempts. Try again in about a minute.'],
    [60, 'Too many attempts. Try again in about a minute.'],
    [61, 'Too many attempts. Try again in about 2 minutes.'],
    [1740, 'Too many attempts. Try again in about 29 minutes.'],
    [3600, 'Too many attempts. Try again in about an hour.'],
    [5400, 'Too many attempts. Try again in about an hour.'],
    [86_400, 'Too many attempts. Try again in about 24 hours.'],
    [undefined, 'Too many attempts. Try again later.'],
  ])('after %s seconds: %s', (seconds, message) => {
    expect(throttledMessage(seconds)).toBe(message);
  });

  it('says it in plain words for a client error', () => {
    const error = new AuthClientError('throttled', THROTTLED(3600).detail, { statusCode: 429, body: THROTTLED(3600) });
    expect(messageOf(error)).toBe('Too many attempts. Try again in about an hour.');
  });

  it('says it in plain words for a response, from Retry-After', async () => {
    const response = new Response(JSON.stringify(THROTTLED(3599)), {
      status: 429,
      headers: { 'content-type': 'application/json', 'retry-after': '3599' },
    });
    expect(await errorOf(response)).toEqual({ detail: 'Too many attempts. Try again in about an hour.', fields: {} });
  });
});
