/** The proof vector builder lives in support/vectors/ (npm run vectors writes its output). */
export { buildProofVectors } from '../support/vectors/proofs.js';
