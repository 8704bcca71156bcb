/** The network vector builder lives in support/vectors/ (npm run vectors writes its output). */
export { buildNetworkVectors } from '../support/vectors/network.js';
