/**
 * A readable name for the device behind a user agent, for a session list:
 * enough for a person to recognise "Firefox on Linux" or "iPhone app", not a
 * full user-agent parser. Unknown agents fall back to their product token.
 */

const BROWSERS: ReadonlyArray<readonly [RegExp, string]> = [
  // Order matters: Edge and Opera also say Chrome; Chrome also says Safari.
  [/\bEdg(?:e|A|iOS)?\//, 'Edge'],
  [/\bOPR\/|\bOpera\b/, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\bChrom(?:e|ium)\/|\bCriOS\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
];

const SYSTEMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\biPhone\b/, 'iPhone'],
  [/\biPad\b/, 'iPad'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
];

/** HTTP libraries and apps, as their default user agents name them. */
const CLIENTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^Dart\//, 'Flutter app'],
  [/^okhttp\//i, 'Android app'],
  [/\bCFNetwork\//, 'iOS app'],
  [/^axios\//, 'axios'],
  [/^node(?:-fetch)?\b|^undici\b/i, 'Node.js'],
  [/^python-requests\//, 'Python requests'],
  [/^curl\//, 'curl'],
  [/^Wget\//, 'Wget'],
];

/** The longest label kept: a user agent is client-controlled text. */
const MAX_LABEL = 64;

/**
 * @example
 * ```ts
 * deviceLabel('Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'); // 'Firefox on Linux'
 * deviceLabel('Dart/3.4 (dart:io)'); // 'Flutter app'
 * deviceLabel(''); // 'Unknown device'
 * ```
 */
export function deviceLabel(userAgent: string): string {
  const agent = userAgent.trim();
  if (agent === '') return 'Unknown device';
  for (const [pattern, label] of CLIENTS) if (pattern.test(agent)) return label;
  const browser = BROWSERS.find(([pattern]) => pattern.test(agent))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(agent))?.[1];
  if (browser !== undefined && system !== undefined) return `${browser} on ${system}`;
  if (browser !== undefined || system !== undefined) return (browser ?? system) as string;
  // Else the product token, printable ASCII only.
  const product = (agent.split(/[\s/]/)[0] ?? '').replace(/[^\x21-\x7e]/g, '').slice(0, MAX_LABEL);
  return product === '' ? 'Unknown device' : product;
}
