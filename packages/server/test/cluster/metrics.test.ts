import { describe, expect, it } from 'vitest';
import { mergeMetrics } from '../../src/cluster/metrics.js';

const worker = (requests: number) =>
  [
    '# HELP tessera_logins_total Logins by outcome: success or failure.',
    '# TYPE tessera_logins_total counter',
    `tessera_logins_total{outcome="success"} ${requests}`,
    '# HELP process_resident_memory_bytes Resident memory size in bytes.',
    '# TYPE process_resident_memory_bytes gauge',
    'process_resident_memory_bytes 1000',
    '# HELP tessera_http_request_duration_seconds HTTP request latency by route and method.',
    '# TYPE tessera_http_request_duration_seconds histogram',
    'tessera_http_request_duration_seconds_bucket{le="0.001",route="/a b{}",method="GET"} 1',
    'tessera_http_request_duration_seconds_sum{route="/a b{}",method="GET"} 0.0005',
    '',
  ].join('\n');

describe('mergeMetrics', () => {
  it('lists each family once, with every worker’s samples labelled by its slot', () => {
    expect(
      mergeMetrics([
        { slot: 1, text: worker(2) },
        { slot: 2, text: worker(5) },
      ]),
    ).toBe(
      [
        '# HELP tessera_logins_total Logins by outcome: success or failure.',
        '# TYPE tessera_logins_total counter',
        'tessera_logins_total{worker="1",outcome="success"} 2',
        'tessera_logins_total{worker="2",outcome="success"} 5',
        '# HELP process_resident_memory_bytes Resident memory size in bytes.',
        '# TYPE process_resident_memory_bytes gauge',
        'process_resident_memory_bytes{worker="1"} 1000',
        'process_resident_memory_bytes{worker="2"} 1000',
        '# HELP tessera_http_request_duration_seconds HTTP request latency by route and method.',
        '# TYPE tessera_http_request_duration_seconds histogram',
        'tessera_http_request_duration_seconds_bucket{worker="1",le="0.001",route="/a b{}",method="GET"} 1',
        'tessera_http_request_duration_seconds_sum{worker="1",route="/a b{}",method="GET"} 0.0005',
        'tessera_http_request_duration_seconds_bucket{worker="2",le="0.001",route="/a b{}",method="GET"} 1',
        'tessera_http_request_duration_seconds_sum{worker="2",route="/a b{}",method="GET"} 0.0005',
        '',
      ].join('\n'),
    );
  });

  it('serves a family only one worker has, and nothing when no worker answered', () => {
    const only = '# TYPE tessera_revocation_feed_streams gauge\ntessera_revocation_feed_streams 3\n';
    expect(
      mergeMetrics([
        { slot: 2, text: only },
        { slot: 1, text: '' },
      ]),
    ).toBe('# TYPE tessera_revocation_feed_streams gauge\ntessera_revocation_feed_streams{worker="2"} 3\n');
    expect(mergeMetrics([])).toBe('');
  });
});
