/**
 * @module contracts/events
 * What a running node reports, one object per event: `urchain node run` prints them as JSON
 * lines, tests await them. Every module of the node (intake, producer, network, watcher) emits
 * through one callback of this type.
 */
export type NodeEventName =
  | 'started'
  | 'record'
  | 'block'
  | 'reorg'
  | 'file'
  | 'error'
  | 'stopped'
  | 'link'
  | 'unlink'
  | 'link-refused'
  | 'bad-peer'
  | 'sync'
  | 'synced'
  | 'members'
  | 'peer-error'
  | 'countersign-refused'
  | 'payloads-complete'
  | 'batch-held';

export interface NodeEvent {
  event: NodeEventName;
  [k: string]: unknown;
}

export type EmitEvent = (e: NodeEvent) => void;
