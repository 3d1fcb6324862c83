export * from './backoff.js';
export * from './connections.js';
