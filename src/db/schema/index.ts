export * from './accounts.js';
export * from './orders.js';
export * from './issuance.js';
export * from './caas.js';
export * from './acme.js';
export * from './mail.js';
