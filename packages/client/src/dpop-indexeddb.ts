import {
  dpopKeyFromCryptoKeyPair,
  generateDpopKeyPair,
  globalSubtle,
  type CryptoKeyPairLike,
  type DpopKeyStore,
  type SubtleCryptoLike,
} from './dpop-key.js';

/** The options of {@link createIndexedDbKeyStore}. */
export interface IndexedDbKeyStoreOptions {
  /** The IndexedDB database (default `tessera.dpop`). */
  databaseName?: string;
  /** The key's name in it (default `device`); one per client sharing a database. */
  keyName?: string;
  /** Replaces `globalThis.crypto.subtle`. */
  subtle?: SubtleCryptoLike;
}

// The part of IndexedDB this store uses, declared here: the client builds without the DOM's types.
interface IdbRequest<T> {
  readonly result: T;
  readonly error: Error | null;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}
interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  onupgradeneeded: (() => void) | null;
}
interface IdbFactory {
  open(name: string, version: number): IdbOpenRequest;
}
interface IdbDatabase {
  createObjectStore(name: string): unknown;
  transaction(name: string, mode: 'readonly' | 'readwrite'): IdbTransaction;
  close(): void;
}
interface IdbTransaction {
  readonly error: Error | null;
  oncomplete: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  objectStore(name: string): IdbObjectStore;
}
interface IdbObjectStore {
  get(key: string): IdbRequest<unknown>;
  put(value: unknown, key: string): unknown;
  delete(key: string): unknown;
}

const OBJECT_STORE = 'keys';

/**
 * The browser's {@link DpopKeyStore}: a non-extractable ECDSA P-256 key pair
 * kept in IndexedDB. `CryptoKey` objects are structured-cloneable, so the
 * pair is stored as it is, never exported: a script can use it to sign while
 * it runs in the page, but cannot carry the key anywhere else. Every tab of
 * the origin sees the same key; two tabs making one at once keep the first
 * (create-if-absent in one readwrite transaction, which IndexedDB runs one at
 * a time).
 *
 * @example
 * ```ts
 * const auth = createAuthClient({ baseUrl, dpop: createIndexedDbKeyStore({ keyName: 'admin-app' }) });
 * ```
 * @throws {TypeError} where there is no IndexedDB or WebCrypto (pass another {@link DpopKeyStore}).
 */
export function createIndexedDbKeyStore(options: IndexedDbKeyStoreOptions = {}): DpopKeyStore {
  const found = (globalThis as { indexedDB?: IdbFactory }).indexedDB;
  if (found === undefined) {
    throw new TypeError('DPoP with dpop: true needs IndexedDB, which this runtime lacks: pass a DpopKeyStore.');
  }
  const factory = found;
  const subtle = options.subtle ?? globalSubtle();
  const databaseName = options.databaseName ?? 'tessera.dpop';
  const keyName = options.keyName ?? 'device';

  /** Runs `work` in one transaction on a fresh connection, closed after: nothing blocks a later upgrade. */
  async function inTransaction<T>(
    mode: 'readonly' | 'readwrite',
    work: (keys: IdbObjectStore, settle: (value: T) => void) => void,
  ): Promise<T> {
    const db = await open(factory, databaseName);
    try {
      return await new Promise<T>((resolve, reject) => {
        const tx = db.transaction(OBJECT_STORE, mode);
        let result: T;
        tx.oncomplete = () => resolve(result);
        tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed.'));
        tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted.'));
        work(tx.objectStore(OBJECT_STORE), (value) => (result = value));
      });
    } finally {
      db.close();
    }
  }

  const read = () =>
    inTransaction<CryptoKeyPairLike | null>('readonly', (keys, settle) => {
      const request = keys.get(keyName);
      request.onsuccess = () => settle(isKeyPair(request.result) ? request.result : null);
    });

  return {
    async load() {
      const pair = await read();
      return pair === null ? null : dpopKeyFromCryptoKeyPair(pair, subtle);
    },
    async loadOrCreate() {
      const existing = await read();
      if (existing !== null) return dpopKeyFromCryptoKeyPair(existing, subtle);
      // WebCrypto is not an IndexedDB request: awaiting it inside the transaction would let it commit. So the
      // pair is made first, and the transaction keeps whichever pair is there by then.
      const made = await generateDpopKeyPair({ subtle });
      const kept = await inTransaction<CryptoKeyPairLike>('readwrite', (keys, settle) => {
        const request = keys.get(keyName);
        request.onsuccess = () => {
          if (isKeyPair(request.result)) return settle(request.result);
          keys.put(made, keyName);
          settle(made);
        };
      });
      return dpopKeyFromCryptoKeyPair(kept, subtle);
    },
    async remove() {
      await inTransaction<undefined>('readwrite', (keys) => void keys.delete(keyName));
    },
  };
}

function open(factory: IdbFactory, name: string): Promise<IdbDatabase> {
  return new Promise((resolve, reject) => {
    const request = factory.open(name, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(OBJECT_STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB could not be opened.'));
  });
}

function isKeyPair(value: unknown): value is CryptoKeyPairLike {
  const pair = value as Partial<CryptoKeyPairLike> | undefined;
  return typeof pair === 'object' && pair !== null && typeof pair.privateKey === 'object' && pair.privateKey !== null;
}
