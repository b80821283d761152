// The L7 protocol handlers: pass `handlers: l7Handlers` to `new DataPlane()` (or register them).
import { httpHandler } from './listener.js';
import { httpsHandler } from '../https/listener.js';
import type { ProtocolHandler } from '../handler.js';

export { httpHandler, httpsHandler };
export const l7Handlers: readonly ProtocolHandler[] = [httpHandler, httpsHandler];
