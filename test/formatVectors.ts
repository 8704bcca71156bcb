/** The format vector builder lives in support/vectors/ (npm run vectors writes its output). */
export { buildFormatVectors } from '../support/vectors/formats.js';
