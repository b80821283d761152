// `openslb state export|import|reset`: the whole state of a running server through the operator
// API (docs/state.md). Connection options as for every operator command (src/cli/operator-client.ts).
import { createWriteStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { connection, connectionOptions, operatorCall } from './operator-client.js';

/** The answer's Code and Message as an Error, as operatorCall reports them. */
async function failure(res: Response, method: string, path: string): Promise<Error> {
  const text = await res.text();
  let msg = text;
  try {
    const j = JSON.parse(text) as { Code?: string; Message?: string };
    msg = `${j.Code ?? res.status}: ${j.Message ?? text}`;
  } catch {
    // not JSON: as is
  }
  return new Error(`${method} ${path} → HTTP ${res.status} ${msg}`);
}

export function addStateCommands(program: Command): void {
  const state = connectionOptions(program.command('state').description('export, import or reset the whole state of the server (docs/state.md)'));

  state
    .command('export')
    .description('write the whole state as one JSON document (certificate private keys stay sealed)')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (o: { out?: string }, cmd: Command) => {
      const c = connection(cmd);
      const res = await fetch(`${c.url}/_openslb/state`, { headers: { authorization: `Bearer ${c.token}` } });
      if (!res.ok || !res.body) throw await failure(res, 'GET', '/state');
      const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
      if (o.out) await pipeline(body, createWriteStream(o.out));
      else await pipeline(body, process.stdout, { end: false });
    });

  state
    .command('import <file>')
    .description('replace the whole state with an exported document ("-" reads stdin); listeners come back as they were')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const c = connection(cmd);
      const text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
      const res = await fetch(`${c.url}/_openslb/state`, { method: 'PUT', headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' }, body: text });
      if (!res.ok) throw await failure(res, 'PUT', '/state');
      process.stdout.write(`${JSON.stringify(await res.json(), null, 2)}\n`);
    });

  state
    .command('reset')
    .description('back to the first-start state, keeping accounts, AccessKeys, RAM and the operator token; running listeners stop')
    .option('--account <id>', "only this account's resources")
    .action(async (o: { account?: string }, cmd: Command) => operatorCall(cmd, 'POST', '/reset', o.account ? { AccountId: o.account } : {}));
}
