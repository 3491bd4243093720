// The V8 flags the tessera server runs with. bin/tessera.js's shebang repeats
// them (a shebang cannot import; a test keeps the two equal), and whatever
// starts the server with `node` (npm start, the benchmarks) passes these.
//
// A young generation of 4 MiB per semi-space instead of V8's 16: a request's
// garbage is short-lived, and a nursery that fits the CPU's cache is
// scavenged faster, for less CPU per request and less resident memory under
// load (docs/benchmarks.md, "Where the time goes").
export const NODE_FLAGS = Object.freeze(['--max-semi-space-size=4']);
