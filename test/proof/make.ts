/** In-memory chains and proofs for tests live in support/proofChain.ts (the proof vectors use them too). */
export * from '../../support/proofChain.js';
