/** The DPoP test keys, proofs and the RFC 9449 check table: @tessera/verify's, which checks the same proofs. */
export * from '../../../verify/test/support/dpop.js';
