/** workerd's built-in TCP sockets module, in the shape src/adapters/workers/http01-socket.ts uses. */
declare module 'cloudflare:sockets' {
  export const connect: import('./http01-socket.js').ConnectFn;
}
