import { describe, expect, it } from 'vitest';
import { deviceLabel } from '../../src/auth/device-label.js';

describe('deviceLabel', () => {
  it.each([
    ['Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0', 'Firefox on Linux'],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
      'Chrome on Windows',
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.68',
      'Edge on Windows',
    ],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
      'Safari on macOS',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1',
      'Chrome on iPhone',
    ],
    [
      'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36',
      'Samsung Internet on Android',
    ],
    [
      'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
      'Chrome on ChromeOS',
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 OPR/110.0.0.0 Chrome/124.0 Safari/537.36',
      'Opera on Windows',
    ],
    ['Dart/3.4 (dart:io)', 'Flutter app'],
    ['okhttp/4.12.0', 'Android app'],
    ['MyApp/1.2 CFNetwork/1494.0.7 Darwin/23.4.0', 'iOS app'],
    ['axios/1.7.2', 'axios'],
    ['node', 'Node.js'],
    ['undici', 'Node.js'],
    ['python-requests/2.32.3', 'Python requests'],
    ['curl/8.5.0', 'curl'],
    ['Wget/1.21.4', 'Wget'],
    ['HeadlessChrome/126.0.0.0 (X11; Linux x86_64)', 'Linux'],
    ['PostmanRuntime/7.39.0', 'PostmanRuntime'],
    ['', 'Unknown device'],
    ['   ', 'Unknown device'],
    ['\u0000\u0001 x', 'Unknown device'],
    ['évil\u001b[31m/1.0', 'vil[31m'],
    [`${'A'.repeat(500)}/1`, 'A'.repeat(64)],
  ])('%j is %j', (agent, label) => {
    expect(deviceLabel(agent)).toBe(label);
  });
});
