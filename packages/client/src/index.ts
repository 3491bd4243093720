export { attachAxios, type AxiosInstanceLike, type AxiosRequestConfigLike } from './axios.js';
export type { AuthClient, RequestAuthorization } from './auth-client.js';
export { createAuthClient } from './client.js';
export { createIndexedDbKeyStore, type IndexedDbKeyStoreOptions } from './dpop-indexeddb.js';
export {
  dpopKeyFromCryptoKeyPair,
  generateDpopKeyPair,
  type CryptoKeyLike,
  type CryptoKeyPairLike,
  type DpopAlgorithm,
  type DpopKey,
  type DpopKeyStore,
  type SubtleCryptoLike,
} from './dpop-key.js';
export { createDpopProof, type DpopProofInput } from './dpop-proof.js';
export { AuthClientError, isNetworkError, type AuthClientErrorCode } from './errors.js';
export type { FetchLike } from './http.js';
export type { AccountMailCalls } from './account-mail.js';
export { decodeJwtClaims } from './jwt-claims.js';
export type { LogoutResult } from './logout.js';
export type { AuthClientOptions, TabOptions } from './options.js';
export type {
  BroadcastChannelLike,
  DocumentLike,
  EventSourceLike,
  LockManagerLike,
  Platform,
  Timers,
} from './platform.js';
export type { AuthListener, AuthSnapshot, AuthStatus, AuthUser } from './session-state.js';
export {
  createLocalStorage,
  createMemoryStorage,
  createSessionStorage,
  type TokenStorage,
  type WebStorageLike,
} from './storage.js';
export type { TransportKind } from './transport.js';
