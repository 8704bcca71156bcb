/** The network tests' cluster lives in support/ (the bench uses it too). */
export { Cluster, until, within } from '../../support/cluster.js';
