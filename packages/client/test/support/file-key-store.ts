// The Node example of a DpopKeyStore the client's README points to: the key
// in a file only this user can read. Node's WebCrypto cannot keep a key
// anywhere but memory, so the private key is exported to the file: the file
// is the secret, as an SSH key is.
import type { webcrypto } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dpopKeyFromCryptoKeyPair, type DpopKey, type DpopKeyStore } from '../../src/index.js';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/**
 * A {@link DpopKeyStore} in the file at `path` (mode 0600). Two processes
 * making a key at once keep one: the file is created exclusively (`wx`), and
 * the loser reads the winner's.
 *
 * @example
 * ```ts
 * const auth = createAuthClient({ baseUrl, dpop: createFileKeyStore(`${homedir()}/.config/myapp/dpop.jwk`) });
 * ```
 */
export function createFileKeyStore(path: string): DpopKeyStore {
  async function load(): Promise<DpopKey | null> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    const jwk = JSON.parse(text) as webcrypto.JsonWebKey;
    const { kty, crv, x, y } = jwk as { kty: string; crv: string; x: string; y: string };
    const publicJwk = { kty, crv, x, y };
    const privateKey = await crypto.subtle.importKey('jwk', jwk, ALGORITHM, false, ['sign']);
    const publicKey = await crypto.subtle.importKey('jwk', publicJwk, ALGORITHM, true, ['verify']);
    return dpopKeyFromCryptoKeyPair({ privateKey, publicKey });
  }
  return {
    load,
    async loadOrCreate() {
      const existing = await load();
      if (existing !== null) return existing;
      const pair = await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
      const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
      try {
        await writeFile(path, JSON.stringify(jwk), { flag: 'wx', mode: 0o600 });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      return (await load())!;
    },
    remove: () => rm(path, { force: true }),
  };
}
