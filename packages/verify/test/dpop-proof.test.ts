import { describe, expect, it } from 'vitest';
import { normalizeHtu } from '../src/dpop-proof.js';

describe('normalizeHtu', () => {
  it.each([
    ['https://auth.example.com/api/token/', 'https://auth.example.com/api/token/'],
    ['HTTPS://Auth.Example.COM:443/api/token/', 'https://auth.example.com/api/token/'],
    ['http://localhost:80/api/token/', 'http://localhost/api/token/'],
    ['http://localhost:8000/api/token/', 'http://localhost:8000/api/token/'],
    ['https://auth.example.com/api/token/?next=1#top', 'https://auth.example.com/api/token/'],
    ['https://auth.example.com/api/x/../token/', 'https://auth.example.com/api/token/'],
    ['https://[::1]:8443/api/token/', 'https://[::1]:8443/api/token/'],
  ])('%s is compared as %s', (htu, normalized) => {
    expect(normalizeHtu(htu)).toBe(normalized);
  });

  it.each(['/api/token/', 'ftp://example.com/api/token/', 'javascript:alert(1)', 'not a url', ''])(
    '%j names no request tessera answers',
    (htu) => {
      expect(normalizeHtu(htu)).toBeUndefined();
    },
  );
});
