export * from './accounts.js';
export * from './orders.js';
