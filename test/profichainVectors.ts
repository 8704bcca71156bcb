/** The Profichain vector builder lives in support/vectors/ (npm run vectors writes its output). */
export { buildProfichainVectors } from '../support/vectors/profichain.js';
