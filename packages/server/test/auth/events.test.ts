import { describe, expect, it } from 'vitest';
import { AUDIT_EVENTS, SECURITY_EVENTS, type SecurityEvent } from '../../src/auth/events.js';
import { countSecurityEvent, createMetrics } from '../../src/http/metrics.js';

const EVENTS = Object.keys(SECURITY_EVENTS) as SecurityEvent[];

/** The counters' samples as `name{labels} value` lines, without the process metrics. */
async function counted(metrics: ReturnType<typeof createMetrics>): Promise<string[]> {
  const text = await metrics.registry.metrics();
  return text
    .split('\n')
    .filter((line) => /^tessera_(logins|refreshes|revocations|refresh_token_reuse)_total/.test(line));
}

describe('the security events', () => {
  it('the audit log records every event but a refused refresh token, which changes nothing', () => {
    expect(EVENTS.filter((event) => !(AUDIT_EVENTS as readonly string[]).includes(event))).toEqual(['refresh_failure']);
  });

  it.each([
    ['login_success', {}, ['tessera_logins_total{outcome="success"} 1']],
    // The reason is logged, never counted: the counters must not tell one login failure from another.
    ['login_failure', { reason: 'bad_password' }, ['tessera_logins_total{outcome="failure"} 1']],
    ['login_failure', { reason: 'inactive' }, ['tessera_logins_total{outcome="failure"} 1']],
    ['refresh', {}, ['tessera_refreshes_total{outcome="rotated"} 1']],
    ['refresh_failure', { reason: 'Token is expired' }, ['tessera_refreshes_total{outcome="token_is_expired"} 1']],
    ['refresh_token_reuse', {}, ['tessera_refresh_token_reuse_total 1']],
    ['logout', { via: 'blacklist' }, ['tessera_revocations_total{kind="blacklist"} 1']],
    ['session_revoked', {}, ['tessera_revocations_total{kind="session_revoked"} 1']],
    ['revoke_all', {}, ['tessera_revocations_total{kind="revoke_all"} 1']],
    ['login_throttled', {}, []],
    ['password_changed', {}, []],
    ['user_deactivated', {}, []],
  ] as const)('%s is counted where the table says', async (event, fields, samples) => {
    const metrics = createMetrics();
    countSecurityEvent(metrics, event, fields);
    expect((await counted(metrics)).filter((line) => !line.endsWith(' 0'))).toEqual(samples);
  });
});
