// Read buffers for the TCP fast path, and the adoption of an accepted socket into one that reads
// into such a buffer.
//
// Each proxied connection owns two fixed buffers (one per direction) for its lifetime. Big buffers
// mean fewer, larger reads and writes (on loopback: pipe() 8–10 Gbit/s, 64 KiB 12, 256 KiB 15–17,
// 1 MiB 18); many connections must not exhaust memory, so the size is chosen at accept time from a
// budget: size = clamp(budget / (2 × open fast connections), 16 KiB, 1 MiB), rounded down to a
// power of two. The default budget (128 MiB) gives 1 MiB buffers up to 64 connections, 256 KiB up
// to 256, and 16 KiB (what nginx stream uses per direction) from 4096 connections on. Pages are
// only touched as far as reads fill them.
import net from 'node:net';

const MAX = 1024 * 1024;
const MIN = 16 * 1024;
let budget = 128 * 1024 * 1024;
let open = 0;

export function setTcpBufferBudget(bytes: number): void {
  budget = Math.max(2 * MIN, bytes);
}

export interface Splice {
  toUpstream: ((n: number, b: Uint8Array) => boolean) | null;
  toClient: ((n: number, b: Uint8Array) => boolean) | null;
}

export function bufferSize(openConnections: number): number {
  const raw = budget / (2 * Math.max(1, openConnections));
  const clamped = Math.max(MIN, Math.min(MAX, raw));
  return 2 ** Math.floor(Math.log2(clamped));
}

export function acquireBuffers(): { client: Buffer; upstream: Buffer; release: () => void } {
  open++;
  const size = bufferSize(open);
  let released = false;
  return {
    client: Buffer.allocUnsafeSlow(size),
    upstream: Buffer.allocUnsafeSlow(size),
    release: () => {
      if (!released) {
        released = true;
        open--;
      }
    },
  };
}

interface HandleOwner {
  _handle: unknown;
}

/**
 * Re-wraps an accepted, still paused socket's handle in a Socket that reads into `buffer` and
 * hands every read to `callback` (net's documented `onread` option; Node offers it only for
 * sockets it creates, hence the handle transfer). Returns undefined when the socket is not in a
 * state that allows it (the caller then uses pipe()). The original socket is closed without
 * touching the connection.
 */
export function adoptWithUserBuffer(accepted: net.Socket, buffer: Buffer, callback: (n: number, b: Uint8Array) => boolean): net.Socket | undefined {
  const owner = accepted as unknown as HandleOwner;
  const handle = owner._handle as { reading?: boolean } | null | undefined;
  if (!handle || handle.reading || accepted.readableLength > 0 || accepted.destroyed) return undefined;
  try {
    owner._handle = null;
    const s = new net.Socket({ handle: handle as never, allowHalfOpen: true, onread: { buffer, callback } } as net.SocketConstructorOpts);
    accepted.destroy(); // no handle any more: only releases the server's bookkeeping for it
    return s;
  } catch {
    owner._handle = handle;
    return undefined;
  }
}
